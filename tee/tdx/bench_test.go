package tdx_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/cocoon-cc/cocoon/tee/tdx"
	"github.com/cocoon-cc/cocoon/tee/tdx/tdxtest"
)

// BenchmarkVerifyTDX appraises a v4 quote with an event log, collateral
// cached: what a verification costs a Trustee in steady state.
func BenchmarkVerifyTDX(b *testing.B) {
	f := newFixture(b, tdxtest.CollateralOptions{})
	log, rtmr3 := aaelLog(b)
	body := tdxtest.DefaultBody()
	body.RTMRs[3] = rtmr3
	ev, _ := f.evidence(b, tdx.QuoteV4, body, log)
	if _, err := f.appraise(ev, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.appraiser.Appraise(context.Background(), ev, tdx.Expected{ReportData: f.nonce}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkECDSAP256Floor is the signature work of one verification
// alone: four ECDSA P-256 verifications (PCK CA by root, PCK by PCK CA, QE
// report by PCK, quote by the attestation key).
func BenchmarkECDSAP256Floor(b *testing.B) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("quote"))
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		for range 4 {
			if !ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
				b.Fatal("signature does not verify")
			}
		}
	}
}
