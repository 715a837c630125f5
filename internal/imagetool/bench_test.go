package imagetool

import (
	"context"
	"testing"
)

// BenchmarkCopyEncrypt32MiB is the copy loop's throughput on a 32 MiB
// incompressible layer, OCI layout to OCI layout, encrypting with a JWE
// recipient (ocicrypt's AES-256-CTR + HMAC stream plus our digest check).
func BenchmarkCopyEncrypt32MiB(b *testing.B) {
	const size = 32 << 20
	img := dataImage(b, size)
	pubFile, _ := jweRecipient(b)
	ec, err := EncryptConfig([]string{"jwe:" + pubFile})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	for b.Loop() {
		if _, err := Copy(context.Background(), img.Ref, "oci:"+b.TempDir()+":x", Options{Encrypt: ec}); err != nil {
			b.Fatal(err)
		}
	}
}
