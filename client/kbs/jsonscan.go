package kbs

import (
	"bytes"
	"fmt"

	"github.com/cocoon-cc/cocoon/internal/jsonscan"
)

// Answers whose few fields are worth reading without encoding/json's
// reflection and second scan are read with jsonscan.Members, which checks
// them as json.Unmarshal into a struct does; the helpers below give its
// raw members a struct's meaning.

// nameIs reports whether a member name, raw as written between its
// quotes, means want to encoding/json, which unescapes names and matches
// them with bytes.EqualFold. A name without escapes is matched as it is:
// its invalid UTF-8, if any, folds to nothing, as U+FFFD does not either.
func nameIs(raw []byte, want string) bool {
	if bytes.IndexByte(raw, '\\') < 0 {
		return bytes.EqualFold(raw, []byte(want))
	}
	name, err := jsonscan.Text(raw)
	return err == nil && bytes.EqualFold(name, []byte(want))
}

// stringField decodes a member value into *dst as encoding/json does for
// a string field: null leaves it alone, a string is unescaped (invalid
// UTF-8 becoming U+FFFD), any other value is an error.
func stringField(raw []byte, dst *string) error {
	switch raw[0] {
	case 'n':
		return nil
	case '"':
		s, err := jsonscan.Text(raw[1 : len(raw)-1])
		if err != nil {
			return err
		}
		*dst = string(s)
		return nil
	}
	return fmt.Errorf("cannot decode JSON %.16q into a string", raw)
}
