package azure_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"testing"

	"github.com/google/go-sev-guest/verify"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/azure"
)

// BenchmarkVerifyAzSNP measures a whole az-snp-vtpm verification of
// upstream's v1 evidence with its VCEK already verified (cached), beside
// the two signature checks it cannot avoid, alone: the vTPM quote's RSA
// (2048, PKCS#1 v1.5, SHA-256) and the SNP report's ECDSA P-384.
func BenchmarkVerifyAzSNP(b *testing.B) {
	evidence := upstream.Read(b, snpDir+"evidence-v1.json")
	want := azure.Expected{ReportData: []byte("challenge")}
	ev, err := azure.ParseSNPEvidence(evidence)
	if err != nil {
		b.Fatal(err)
	}
	hcl, err := azure.ParseHCLReport(ev.HCLReport)
	if err != nil {
		b.Fatal(err)
	}
	ak, err := hcl.AKPublic()
	if err != nil {
		b.Fatal(err)
	}
	vcek, err := x509.ParseCertificate(ev.VCEK)
	if err != nil {
		b.Fatal(err)
	}
	rsaCheck := func() error {
		digest := sha256.Sum256(ev.TPMQuote.Message)
		return rsa.VerifyPKCS1v15(ak, crypto.SHA256, digest[:], ev.TPMQuote.Signature)
	}
	ecdsaCheck := func() error { return verify.SnpReportSignature(hcl.Hardware, vcek) }

	b.Run("full", func(b *testing.B) {
		v := snpVerifier(b)
		if _, err := v.Verify(context.Background(), evidence, want); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(context.Background(), evidence, want); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rsa-quote-signature", func(b *testing.B) {
		for b.Loop() {
			if err := rsaCheck(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ecdsa-p384-report-signature", func(b *testing.B) {
		for b.Loop() {
			if err := ecdsaCheck(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("both-signatures", func(b *testing.B) {
		for b.Loop() {
			if err := rsaCheck(); err != nil {
				b.Fatal(err)
			}
			if err := ecdsaCheck(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
