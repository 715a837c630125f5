package token

import (
	"context"
	"strings"
	"testing"
)

// FuzzVerify feeds arbitrary token strings to a verifier that accepts any
// header key (the most permissive path): nothing may panic, and whatever is
// accepted must carry an unexpired "exp".
func FuzzVerify(f *testing.F) {
	issuer := newTestIssuer(f, IssuerConfig{})
	token, err := issuer.Issue(context.Background(), sampleSubmods)
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(token, ".")
	f.Add(token)
	f.Add(parts[0] + "." + parts[1] + ".")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.e30.AAAA")
	f.Add(`eyJhbGciOiJFUzI1NiIsImp3ayI6eyJrdHkiOiJFQyIsIng1YyI6WyIhIl19fQ.e30.`)
	f.Add("..")
	v := newTestVerifier(f, VerifierConfig{InsecureHeaderJWK: true, TrustedJWKSets: []string{writeJWKS(f, "k1", issuer.PublicKey())}})
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := v.Verify(context.Background(), token)
		if err != nil {
			return
		}
		if err := checkValidity(claims, testNow); err != nil {
			t.Fatalf("accepted a token that is not valid: %v", err)
		}
	})
}
