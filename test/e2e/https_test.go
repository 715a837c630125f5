package e2e

import (
	"bytes"
	"strings"
	"testing"
)

// With private_key and certificate, trustee serves HTTPS only: kbs-client
// works when given the certificate with --cert-file, and neither plain
// HTTP nor an unknown certificate gets through.
func TestHTTPS(t *testing.T) {
	t.Parallel()
	n := newHTTPSNode(t)
	s := n.start(t)
	secret := randomSecret(t)
	mustSucceed(t, s.admin(t, n.adminKey, "set-resource", "--path", "default/key/tls", "--resource-file", writeFile(t, t.TempDir(), "secret", secret)))
	mustSucceed(t, s.admin(t, n.adminKey, "set-resource-policy", "--allow-all"))
	if got := s.getResource(t, "default/key/tls"); !bytes.Equal(got, secret) {
		t.Errorf("get-resource over HTTPS = %x, want %x", got, secret)
	}

	plain := "http://" + strings.TrimPrefix(s.url, "https://")
	const httpToHTTPS = `Client sent an HTTP request to an HTTPS server`
	mustFail(t, run(t, bin.kbsClient, "--url", plain, "get-resource", "--path", "default/key/tls"), httpToHTTPS)
	mustFail(t, run(t, bin.kbsClient, "--url", plain, "config", "--auth-private-key", n.adminKey, "set-resource-policy", "--deny-all"), httpToHTTPS)
	mustFail(t, run(t, bin.kbsClient, "--url", s.url, "get-resource", "--path", "default/key/tls"), `certificate signed by unknown authority`)

	// The refused attempts changed nothing.
	if got := s.getResource(t, "default/key/tls"); !bytes.Equal(got, secret) {
		t.Errorf("get-resource after the refused calls = %x, want %x", got, secret)
	}
}
