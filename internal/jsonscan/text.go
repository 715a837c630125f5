package jsonscan

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// Text returns the string that raw, the contents of a JSON string the
// Scanner accepted, stands for as encoding/json decodes it: unescaped,
// invalid UTF-8 replaced by U+FFFD. Plain contents, the common case, are
// returned as they are, without an allocation or a check; contents that
// need decoding and cannot be decoded are an error.
func Text[T Input](raw T) (T, error) {
	for i := range len(raw) {
		if c := raw[i]; c == '\\' || c >= utf8.RuneSelf {
			return unescape(raw)
		}
	}
	return raw, nil
}

// unescape is Text of contents with escapes or bytes beyond ASCII,
// decoded by encoding/json itself.
func unescape[T Input](raw T) (T, error) {
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	if inner := quoted[1 : len(quoted)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return raw, nil
	}
	var s string
	if err := json.Unmarshal(quoted, &s); err != nil {
		return raw[:0], err
	}
	return T(s), nil
}
