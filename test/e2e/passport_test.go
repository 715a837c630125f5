package e2e

import (
	"bytes"
	"strings"
	"testing"
)

// Passport mode: a guest attests once, keeps the token, and later presents
// it with the same TEE key. The resource is encrypted to the key in the
// token, so another key cannot read it, and a token altered in transit is
// refused by the server.
func TestPassportToken(t *testing.T) {
	t.Parallel()
	n := newNode(t)
	s := n.start(t)
	dir := t.TempDir()
	secret := randomSecret(t)
	mustSucceed(t, s.admin(t, n.adminKey, "set-resource", "--path", "default/key/passport", "--resource-file", writeFile(t, dir, "secret", secret)))
	mustSucceed(t, s.admin(t, n.adminKey, "set-resource-policy", "--allow-all"))

	teeKey := p256KeyFile(t, dir, "tee.pem")
	token, _ := s.attest(t, "--tee-key-file", teeKey)
	tokenFile := writeFile(t, dir, "token", []byte(token+"\n"))

	got := s.getResource(t, "default/key/passport", "--attestation-token", tokenFile, "--tee-key-file", teeKey)
	if !bytes.Equal(got, secret) {
		t.Errorf("get-resource with the token = %x, want %x", got, secret)
	}

	otherKey := p256KeyFile(t, dir, "other.pem")
	mustFail(t, s.kbsClient(t, "get-resource", "--path", "default/key/passport", "--attestation-token", tokenFile, "--tee-key-file", otherKey), `decrypt`)

	// Flip the first character of the signature: its 6 bits are all
	// signature, whatever the padding of the last character.
	parts := strings.Split(token, ".")
	flipped := "A"
	if parts[2][0] == 'A' {
		flipped = "B"
	}
	forged := parts[0] + "." + parts[1] + "." + flipped + parts[2][1:]
	forgedFile := writeFile(t, dir, "forged", []byte(forged))
	mustFail(t, s.kbsClient(t, "get-resource", "--path", "default/key/passport", "--attestation-token", forgedFile, "--tee-key-file", teeKey), `\b401 TokenVerifierError\b`)
}
