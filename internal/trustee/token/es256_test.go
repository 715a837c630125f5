package token

import (
	"context"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// Tokens must stay what go-jose issues: its parser accepts them, the
// signature is r || s of 32 bytes each (also when r or s has leading zero
// bytes, about one signature in a hundred), and the header is the one
// go-jose writes.
func TestIssuedTokensVerifyWithGoJose(t *testing.T) {
	issuer := newTestIssuer(t, IssuerConfig{})
	want, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: issuer.signer.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("jwk", issuer.jwk))
	if err != nil {
		t.Fatal(err)
	}
	reference, err := want.Sign([]byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	compact, err := reference.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader, _, _ := strings.Cut(compact, ".")

	for range 1000 {
		token, err := issuer.Issue(context.Background(), sampleSubmods)
		if err != nil {
			t.Fatal(err)
		}
		if header, _, _ := strings.Cut(token, "."); header != wantHeader {
			t.Fatalf("header %s, go-jose writes %s", header, wantHeader)
		}
		jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.ES256})
		if err != nil {
			t.Fatal(err)
		}
		if len(jws.Signatures[0].Signature) != 2*es256Size {
			t.Fatalf("signature is %d bytes", len(jws.Signatures[0].Signature))
		}
		if _, err := jws.Verify(issuer.PublicKey()); err != nil {
			t.Fatalf("go-jose refuses the token: %v", err)
		}
	}
}
