package storage

import "strings"

// escapedSlash is how upstream's LocalFs spells '/' in a file name: the four
// bytes `\x2F`. A backslash is outside the key charset, so the mapping is
// one-to-one on valid keys.
const escapedSlash = `\x2F`

// tempPrefix starts the name of every in-flight write. '#' is outside the key
// charset, so a temp file can never be mistaken for a key.
const tempPrefix = "#cocoon-tmp."

// keyFileName is the file name, inside its namespace directory, that upstream
// LocalFs stores key under. key must be valid.
func keyFileName(key string) string {
	return strings.ReplaceAll(key, "/", escapedSlash)
}

// keyFromFileName inverts keyFileName. It reports false for any name that
// keyFileName does not produce from a valid key (temp files, foreign files,
// non-canonical spellings), which List then ignores.
func keyFromFileName(name string) (string, bool) {
	key := strings.ReplaceAll(name, escapedSlash, "/")
	if ValidateKey(key) != nil || keyFileName(key) != name {
		return "", false
	}
	return key, true
}

func escapedKeyLength(key string) int {
	return len(key) + strings.Count(key, "/")*(len(escapedSlash)-1)
}

func isTempName(name string) bool {
	return strings.HasPrefix(name, tempPrefix)
}
