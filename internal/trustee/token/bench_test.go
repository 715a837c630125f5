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

func BenchmarkVerify(b *testing.B) {
	issuer := newTestIssuer(b, IssuerConfig{})
	token, err := issuer.Issue(context.Background(), sampleSubmods)
	if err != nil {
		b.Fatal(err)
	}
	v := newTestVerifier(b, VerifierConfig{}, WithTrustedKey(issuer.PublicKey()))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}
