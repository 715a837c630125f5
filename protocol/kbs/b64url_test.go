package kbs

import (
	"bytes"
	"strings"
	"testing"
)

// writeB64URL chunks its input: every length around the chunk size must
// encode as EncodeToString does.
func TestWriteB64URLMatchesEncodeToString(t *testing.T) {
	src := randomBytes(t, 3*64*3+5)
	for n := range len(src) {
		var sb strings.Builder
		writeB64URL(&sb, src[:n])
		if want := b64.EncodeToString(src[:n]); sb.String() != want {
			t.Fatalf("%d bytes: %q, want %q", n, sb.String(), want)
		}
	}
}

// newResponse slices one string into the members; each must be the
// encoding of its own part.
func TestNewResponseMembers(t *testing.T) {
	protected := []byte("eyJhbGciOiJSU0ExXzUiLCJlbmMiOiJBMjU2R0NNIn0")
	parts := [][]byte{randomBytes(t, 256), randomBytes(t, ivSize), randomBytes(t, 1000), randomBytes(t, tagSize)}
	r := newResponse(protected, parts[0], parts[1], parts[2], parts[3])
	if r.Protected != string(protected) || r.AAD != "" {
		t.Errorf("protected %q, aad %q", r.Protected, r.AAD)
	}
	for i, got := range []string{r.EncryptedKey, r.IV, r.Ciphertext, r.Tag} {
		if !bytes.Equal(mustB64(t, got), parts[i]) {
			t.Errorf("member %d = %q, want the encoding of %x", i, got, parts[i])
		}
	}
}
