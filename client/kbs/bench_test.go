package kbs_test

import (
	"testing"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

// BenchmarkAttest measures a full RCAR handshake against a real Trustee on
// loopback (sample evidence, EAR token issued and returned).
func BenchmarkAttest(b *testing.B) {
	c := newTestClient(b, trusteetest.New(b))
	ctx := testContext(b)
	for b.Loop() {
		if _, err := kbsclient.Handshake(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetResource measures a resource fetch on an attested session
// (request, policy, JWE encryption and decryption).
func BenchmarkGetResource(b *testing.B) {
	tr := newSampleTrustee(b, make([]byte, 4096))
	c := newTestClient(b, tr)
	ctx := testContext(b)
	if _, err := c.GetResource(ctx, "default/key/1"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := c.GetResource(ctx, "default/key/1"); err != nil {
			b.Fatal(err)
		}
	}
}
