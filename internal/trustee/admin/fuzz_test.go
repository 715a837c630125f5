package admin

import (
	"crypto/elliptic"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cocoon-cc/cocoon/internal/trustee/config"
)

// authorizers builds one Authorizer per verifying mode, trusting keys.
func authorizers(tb testing.TB, keys edKeys) map[string]Authorizer {
	tb.Helper()
	simple, err := New(config.Admin{Personas: []config.Persona{{ID: "admin", PublicKeyPath: keys.pubPath}}}, discard())
	if err != nil {
		tb.Fatal(err)
	}
	bearerMode, err := New(bearerAdmin([]config.IdentityProvider{{Issuer: "issuer", Audience: "kbs", PublicKeyURI: keys.pubPath}},
		config.ACL{Role: "admin", AllowedEndpoints: "^/kbs/.+$"}), discard())
	if err != nil {
		tb.Fatal(err)
	}
	return map[string]Authorizer{"Simple": simple, "bearer_jwt": bearerMode}
}

// FuzzAuthorize: any Authorization header is refused with ErrUnauthorized
// or, for a genuinely signed token, allowed; never a panic.
func FuzzAuthorize(f *testing.F) {
	keys := newEdKeys(f, f.TempDir(), "admin.pub")
	good, err := SignToken(keys.priv, map[string]any{"role": "admin", "iss": "issuer", "aud": []string{"kbs"}}, time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(bearer(good))
	f.Add(bearer(mint(f, jwt.SigningMethodES256, newECKey(f, elliptic.P256()), claimsAt(jwt.MapClaims{"role": "admin"}), map[string]any{"kid": "x"})))
	f.Add(bearer(mint(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claimsAt(nil), nil)))
	f.Add("Bearer eyJhbGciOiJFZERTQSJ9.eyJyb2xlIjp7fX0.AAAA")
	f.Add("Bearer ...")
	f.Add("Basic x")
	f.Add("")
	modes := authorizers(f, keys)
	f.Fuzz(func(t *testing.T, header string) {
		for name, a := range modes {
			if err := a.Authorize(request("/kbs/v0/resource/a/b/c", header)); err != nil && !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("%s: error without ErrUnauthorized: %v", name, err)
			}
		}
	})
}

func BenchmarkAuthorize(b *testing.B) {
	keys := newEdKeys(b, b.TempDir(), "admin.pub")
	token, err := SignToken(keys.priv, map[string]any{"role": "admin", "iss": "issuer", "aud": "kbs"}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	r := request("/kbs/v0/resource/a/b/c", bearer(token))
	for name, a := range authorizers(b, keys) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := a.Authorize(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
