package token

import (
	"context"
	"testing"
)

func BenchmarkIssue(b *testing.B) {
	issuer := newTestIssuer(b, IssuerConfig{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := issuer.Issue(ctx, sampleSubmods); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify is a full verification: signature, key and claims.
func BenchmarkVerify(b *testing.B) {
	issuer := newTestIssuer(b, IssuerConfig{})
	token, err := issuer.Issue(context.Background(), sampleSubmods)
	if err != nil {
		b.Fatal(err)
	}
	v := newTestVerifier(b, VerifierConfig{}, WithTrustedKey(issuer.PublicKey()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.verify(token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifySettled is a token presented again, or one the co-located
// issuer signed: the KBS's case at every resource read.
func BenchmarkVerifySettled(b *testing.B) {
	issuer := newTestIssuer(b, IssuerConfig{})
	v := newTestVerifier(b, VerifierConfig{}, WithIssuer(issuer))
	ctx := context.Background()
	token, err := issuer.Issue(ctx, sampleSubmods)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeClaims decodes an issued token's claims, as the KBS does
// at the first resource request of each flow.
func BenchmarkDecodeClaims(b *testing.B) {
	issuer := newTestIssuer(b, IssuerConfig{})
	payload, err := issuer.appendPayload(nil, 1, 2, sampleSubmods)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeClaims(payload); err != nil {
			b.Fatal(err)
		}
	}
}
