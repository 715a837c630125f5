package nvidia_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha512"
	"math/big"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/nvidia"
)

// BenchmarkVerifyHopper is one local verification of upstream's Hopper
// evidence, chain cached: evidence decoding, SPDM parsing, ECDSA P-384,
// nonce, claims.
func BenchmarkVerifyHopper(b *testing.B) {
	v := newVerifier(b, vectorRoot(b))
	evidence := vectorEvidenceJSON(b)
	nonce := mustHex(b, vectorNonce)
	verify := func() {
		ev, err := nvidia.ParseEvidence(evidence)
		if err != nil {
			b.Fatal(err)
		}
		d, err := v.VerifyDevice(context.Background(), ev.Devices[0])
		if err != nil {
			b.Fatal(err)
		}
		if err := nvidia.ValidateNonce(d.Report, nonce); err != nil {
			b.Fatal(err)
		}
		_ = nvidia.Claims(d)
	}
	verify() // fills the chain cache
	b.ReportAllocs()
	for b.Loop() {
		verify()
	}
}

// BenchmarkVerifyHopperChainUncached adds the chain's parsing and
// verification (five ECDSA P-384 certificate signatures) to every run.
func BenchmarkVerifyHopperChainUncached(b *testing.B) {
	root := vectorRoot(b)
	ev, err := nvidia.ParseEvidence(vectorEvidenceJSON(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		v := newVerifier(b, root)
		if _, err := v.VerifyDevice(context.Background(), ev.Devices[0]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkECDSAP384Floor is the report signature check alone, the floor
// of BenchmarkVerifyHopper.
func BenchmarkECDSAP384Floor(b *testing.B) {
	r, err := nvidia.ParseReport(vectorReportBytes(b), nvidia.HopperSignatureSize)
	if err != nil {
		b.Fatal(err)
	}
	chain, err := nvidia.ParseCertChain(upstream.Read(b, vectorSigning))
	if err != nil {
		b.Fatal(err)
	}
	pub := signingKey(b, chain[0])
	sig := r.Response.Signature
	rInt, sInt := new(big.Int).SetBytes(sig[:48]), new(big.Int).SetBytes(sig[48:])
	for b.Loop() {
		digest := sha512.Sum384(r.Signed)
		if !ecdsa.Verify(pub, digest[:], rInt, sInt) {
			b.Fatal("signature does not verify")
		}
	}
}
