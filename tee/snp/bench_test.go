package snp_test

import (
	"crypto/ecdsa"
	"crypto/sha512"
	"crypto/x509"
	"testing"

	"github.com/google/go-sev-guest/abi"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/snp"
)

// BenchmarkVerifySNP is one verification of upstream's e2e evidence, VCEK
// cached: parse, encode, ECDSA P-384, TCB, chip id, bindings.
func BenchmarkVerifySNP(b *testing.B) {
	evidence := upstream.Read(b, e2eEvidence)
	v := amdVerifier(b)
	ev, err := snp.ParseEvidence(evidence)
	if err != nil {
		b.Fatal(err)
	}
	want := snp.Expected{ReportData: ev.AttestationReport.ReportData}
	if _, err := verifyAndValidate(v, evidence, want); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := verifyAndValidate(v, evidence, want); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkECDSAP384Floor is the report signature check alone, the floor
// of BenchmarkVerifySNP.
func BenchmarkECDSAP384Floor(b *testing.B) {
	ev, err := snp.ParseEvidence(upstream.Read(b, e2eEvidence))
	if err != nil {
		b.Fatal(err)
	}
	raw, err := ev.AttestationReport.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	cert, err := x509.ParseCertificate(ev.CertChain[0].Data)
	if err != nil {
		b.Fatal(err)
	}
	pub := cert.PublicKey.(*ecdsa.PublicKey)
	sig, err := abi.ReportToSignatureDER(raw)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha512.Sum384(abi.SignedComponent(raw))
	if !ecdsa.VerifyASN1(pub, digest[:], sig) {
		b.Fatal("signature does not verify")
	}
	for b.Loop() {
		digest := sha512.Sum384(abi.SignedComponent(raw))
		ecdsa.VerifyASN1(pub, digest[:], sig)
	}
}
