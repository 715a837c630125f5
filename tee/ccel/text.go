package ccel

import (
	"encoding/binary"
	"errors"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

var errNotUTF8 = errors.New("not valid UTF-8")

// strictUTF8 returns b as a string when it is valid UTF-8.
func strictUTF8(b []byte) (string, error) {
	if !utf8.Valid(b) {
		return "", errNotUTF8
	}
	return string(b), nil
}

// lossyUTF8 decodes b replacing each maximal ill-formed subsequence with
// U+FFFD, as Rust's String::from_utf8_lossy does (Go's
// strings.ToValidUTF8 would merge adjacent ones, giving other claims).
func lossyUTF8(b []byte) string {
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r != utf8.RuneError || n > 1 {
			sb.WriteRune(r)
			b = b[n:]
			continue
		}
		sb.WriteRune(utf8.RuneError)
		b = b[maximalIllFormedPrefix(b):]
	}
	return sb.String()
}

// maximalIllFormedPrefix is the length of the longest prefix of b that
// starts a valid UTF-8 sequence without completing it (at least 1).
func maximalIllFormedPrefix(b []byte) int {
	lo, hi := byte(0x80), byte(0xBF)
	var need int
	switch c := b[0]; {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
		need = 2
	case c == 0xED:
		need, hi = 2, 0x9F
	case c == 0xF0:
		need, lo = 3, 0x90
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1
	}
	n := 1
	for ; n <= need && n < len(b); n++ {
		if b[n] < lo || b[n] > hi {
			break
		}
		lo, hi = 0x80, 0xBF
	}
	return n
}

// utf16Words reads little-endian UTF-16 code units.
func utf16Words(b []byte) []uint16 {
	words := make([]uint16, len(b)/2)
	for i := range words {
		words[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return words
}

// lossyUTF16 decodes UTF-16LE, unpaired surrogates becoming U+FFFD.
func lossyUTF16(b []byte) string {
	return string(utf16.Decode(utf16Words(b)))
}

var errNotUTF16 = errors.New("not valid UTF-16")

// strictUTF16 decodes UTF-16LE and refuses unpaired surrogates.
func strictUTF16(b []byte) (string, error) {
	words := utf16Words(b)
	for i := 0; i < len(words); i++ {
		switch w := words[i]; {
		case utf16.IsSurrogate(rune(w)) && w < 0xDC00 && i+1 < len(words) && words[i+1] >= 0xDC00 && words[i+1] <= 0xDFFF:
			i++
		case utf16.IsSurrogate(rune(w)):
			return "", errNotUTF16
		}
	}
	return string(utf16.Decode(words)), nil
}

// withoutControls drops control characters (Unicode Cc), as upstream
// cleans EV_PLATFORM_CONFIG_FLAGS text after turning 0x10 into a space.
func withoutControls(s string) string {
	s = strings.ReplaceAll(s, "\x10", " ")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
