package tpm_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/swtpm"
	"github.com/cocoon-cc/cocoon/tee/tpm"
)

// benchEvidence is real evidence from a swtpm, made once per benchmark.
func benchEvidence(b *testing.B) ([]byte, []byte, *tpm.Evidence) {
	b.Helper()
	a := openAttester(b, swtpm.Start(b), tpm.Config{})
	rd := reportData("benchmark")
	raw, err := a.Evidence(context.Background(), rd)
	if err != nil {
		b.Fatal(err)
	}
	ev, err := tpm.ParseEvidence(raw)
	if err != nil {
		b.Fatal(err)
	}
	return raw, rd, ev
}

// BenchmarkVerify is one whole TPM verification: JSON, AK, quote and
// signature parsing, RSA-2048 signature, PCR digest, nonce and claims.
func BenchmarkVerify(b *testing.B) {
	raw, rd, _ := benchEvidence(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpm.Verify(raw, tpm.Expected{ReportData: rd}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRSAVerifyFloor is the RSA-2048 PKCS#1 v1.5 check of the same
// quote alone: the cost no TPM verifier can go below.
func BenchmarkRSAVerifyFloor(b *testing.B) {
	_, _, ev := benchEvidence(b)
	der, _ := base64.StdEncoding.DecodeString(ev.AKPublic)
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		b.Fatal(err)
	}
	msg, _ := base64.StdEncoding.DecodeString(ev.TPMQuote.Message)
	sig, _ := base64.StdEncoding.DecodeString(ev.TPMQuote.Signature)
	sig = sig[6:] // TPMT_SIGNATURE: scheme, hash, size, then the signature
	b.ReportAllocs()
	for b.Loop() {
		digest := sha256.Sum256(msg)
		if err := rsa.VerifyPKCS1v15(key.(*rsa.PublicKey), crypto.SHA256, digest[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}
