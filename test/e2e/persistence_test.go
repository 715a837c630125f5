package e2e

import (
	"bytes"
	"testing"
)

// Restarting trustee on the same data directory keeps resources, the
// resource policy, reference values and the admin key; the token signing
// key too, so a token issued before the restart still opens resources.
func TestStateSurvivesRestart(t *testing.T) {
	t.Parallel()
	n := newNode(t)
	dir := t.TempDir()
	secret := randomSecret(t)
	teeKey := p256KeyFile(t, dir, "tee.pem")

	first := n.start(t)
	mustSucceed(t, first.admin(t, n.adminKey, "set-resource", "--path", "default/key/kept", "--resource-file", writeFile(t, dir, "secret", secret)))
	mustSucceed(t, first.admin(t, n.adminKey, "set-resource-policy", "--affirming"))
	registerSampleReferenceValues(t, first, n.adminKey)
	token, _ := first.attest(t, "--tee-key-file", teeKey)
	tokenFile := writeFile(t, dir, "token", []byte(token))
	first.stop(t, true)

	second := n.start(t)
	// Released only if the resource, the affirming policy and all four
	// reference values came back.
	if got := second.getResource(t, "default/key/kept"); !bytes.Equal(got, secret) {
		t.Errorf("resource after restart = %x, want %x", got, secret)
	}
	checkSampleReferenceValues(t, second, n.adminKey)
	if got := second.getResource(t, "default/key/kept", "--attestation-token", tokenFile, "--tee-key-file", teeKey); !bytes.Equal(got, secret) {
		t.Errorf("resource for a token issued before the restart = %x, want %x", got, secret)
	}
	// The admin key still works, and the deny-all policy it sets now
	// replaces the stored one.
	mustSucceed(t, second.admin(t, n.adminKey, "set-resource-policy", "--deny-all"))
	mustFail(t, second.kbsClient(t, "get-resource", "--path", "default/key/kept"), `\bPolicyDeny\b`)
}
