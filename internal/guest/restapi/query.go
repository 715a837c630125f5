package restapi

import (
	"strings"
	"unicode/utf8"
)

// parseQuery decodes a raw query string as upstream's router does
// (form_urlencoded::parse collected into a map): pairs split on '&',
// empty pairs skipped, name and value split at the first '=', '+' read as
// a space, %XX decoded where XX is hex and kept literally otherwise,
// invalid UTF-8 replaced by U+FFFD, and the last of repeated names wins.
func parseQuery(raw string) map[string]string {
	params := make(map[string]string)
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		params[formDecode(name)] = formDecode(value)
	}
	return params
}

// formDecode decodes one name or value of a form-urlencoded query.
func formDecode(s string) string {
	if !strings.ContainsAny(s, "+%") && utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return lossyUTF8(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// lossyUTF8 is Rust's String::from_utf8_lossy: each maximal prefix of a
// UTF-8 sequence that cannot be completed becomes one U+FFFD (Unicode's
// "substitution of maximal subparts"). Go's strings.ToValidUTF8 differs:
// it folds a whole run of bad bytes into one replacement.
func lossyUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r != utf8.RuneError || size > 1 {
			sb.Write(b[:size])
			b = b[size:]
			continue
		}
		sb.WriteRune(utf8.RuneError)
		b = b[invalidPrefixLen(b):]
	}
	return sb.String()
}

// invalidPrefixLen is the length of the maximal subpart at the start of b,
// which does not begin a valid sequence: the lead byte and the
// continuation bytes that could still have followed it.
func invalidPrefixLen(b []byte) int {
	lo, hi, need := continuationRange(b[0])
	n := 1
	for n <= need && n < len(b) {
		if b[n] < lo || b[n] > hi {
			break
		}
		lo, hi = 0x80, 0xBF // only the second byte has a narrower range
		n++
	}
	return n
}

// continuationRange is, for a lead byte, the range of the byte after it
// and how many continuation bytes the sequence needs (0: not a lead byte).
func continuationRange(lead byte) (lo, hi byte, need int) {
	switch {
	case lead >= 0xC2 && lead <= 0xDF:
		return 0x80, 0xBF, 1
	case lead == 0xE0:
		return 0xA0, 0xBF, 2
	case lead == 0xED:
		return 0x80, 0x9F, 2
	case lead >= 0xE1 && lead <= 0xEF:
		return 0x80, 0xBF, 2
	case lead == 0xF0:
		return 0x90, 0xBF, 3
	case lead >= 0xF1 && lead <= 0xF3:
		return 0x80, 0xBF, 3
	case lead == 0xF4:
		return 0x80, 0x8F, 3
	}
	return 0, 0, 0
}

// splitAtSecondSlash splits a path before its second '/', as upstream's
// split_nth_slash(path, 2): "/cdh/resource/a" is "/cdh" and "/resource/a".
// A path with fewer than two slashes does not split.
func splitAtSecondSlash(p string) (head, tail string, ok bool) {
	first := strings.IndexByte(p, '/')
	if first < 0 {
		return "", "", false
	}
	second := strings.IndexByte(p[first+1:], '/')
	if second < 0 {
		return "", "", false
	}
	at := first + 1 + second
	return p[:at], p[at:], true
}
