package kbs

import (
	"testing"

	"github.com/cocoon-cc/cocoon/client/kbs/kbstest"
)

// BenchmarkAttest measures a full RCAR handshake against the in-process KBS.
func BenchmarkAttest(b *testing.B) {
	srv := kbstest.New(b)
	c := newTestClient(b, srv)
	ctx := testContext(b)
	for b.Loop() {
		if _, err := c.handshake(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetResource measures a resource fetch on an attested session
// (request, JWE decryption).
func BenchmarkGetResource(b *testing.B) {
	srv := kbstest.New(b)
	srv.SetResource("default/key/1", make([]byte, 4096))
	c := newTestClient(b, srv)
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
