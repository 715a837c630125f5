package kbs

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims of the admin tokens EdDSATokenSource signs.
const (
	adminTokenLifetime = 2 * time.Hour // upstream kbs-client's lifetime
	adminTokenRole     = "admin"
	adminTokenIssuer   = "kbs-client"
)

// EdDSATokenSource signs a fresh admin JWT per call with the Ed25519
// private key in privPEM (PKCS#8): EdDSA, iat, nbf, exp two hours later,
// "role":"admin" and "iss":"kbs-client". A key that does not parse makes
// every call fail.
func EdDSATokenSource(privPEM []byte) func() (string, error) {
	key, err := parseEd25519PrivateKey(privPEM)
	return func() (string, error) {
		if err != nil {
			return "", err
		}
		now := time.Now()
		claims := jwt.MapClaims{
			"iat":  now.Unix(),
			"nbf":  now.Unix(),
			"exp":  now.Add(adminTokenLifetime).Unix(),
			"role": adminTokenRole,
			"iss":  adminTokenIssuer,
		}
		signed, signErr := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims).SignedString(key)
		if signErr != nil {
			return "", fmt.Errorf("kbs: sign admin token: %w", signErr)
		}
		return signed, nil
	}
}

// StaticTokenSource always returns token, for a pre-issued admin token.
func StaticTokenSource(token string) func() (string, error) {
	return func() (string, error) { return token, nil }
}

func parseEd25519PrivateKey(privPEM []byte) (ed25519.PrivateKey, error) {
	parsed, err := jwt.ParseEdPrivateKeyFromPEM(privPEM)
	if err != nil {
		return nil, fmt.Errorf("kbs: admin private key: %w", err)
	}
	key, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New("kbs: admin private key is not Ed25519")
	}
	return key, nil
}
