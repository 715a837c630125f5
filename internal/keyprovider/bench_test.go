package keyprovider

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

// BenchmarkWrapKey is one layer's WrapKey without registration: request
// parsing, KEK file read, AES-256-GCM wrap and the reply.
func BenchmarkWrapKey(b *testing.B) {
	keyFile := filepath.Join(b.TempDir(), "kek")
	if err := os.WriteFile(keyFile, bytes.Repeat([]byte{1}, 32), 0o600); err != nil {
		b.Fatal(err)
	}
	request := ocicryptRequest(b, "keyid=kbs:///default/key/1::keypath="+keyFile, layerOptions(b))
	svc := NewService(nil, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.WrapKey(ctx, request); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrapKeyReusedKEK is every layer after an image's first: the
// KEK registered in Trustee for the keyid is reused, not registered again.
func BenchmarkWrapKeyReusedKEK(b *testing.B) {
	tr := trusteetest.New(b)
	svc := NewService(KBSRegistrar{Admin: tr.Admin(b)}, nil)
	request := ocicryptRequest(b, "keyid=kbs:///default/key/1", layerOptions(b))
	ctx := context.Background()
	if _, err := svc.WrapKey(ctx, request); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.WrapKey(ctx, request); err != nil {
			b.Fatal(err)
		}
	}
}
