package admin

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// GenerateKeyPair makes an Ed25519 admin key pair: the private key as
// PKCS#8 PEM (what kbs-client's --auth-private-key reads), the public key
// as PKIX PEM (what admin.personas.public_key_path and public_key_uri read).
func GenerateKeyPair() (privPEM, pubPEM []byte, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("admin: generate key: %w", err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("admin: encode private key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("admin: encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), nil
}

// SignToken signs an EdDSA admin JWT valid from now for ttl. The given
// claims (e.g. "role": "admin", "iss", "aud") are included; iat, nbf and
// exp are always set here and override any given ones.
func SignToken(privPEM []byte, claims map[string]any, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		return "", errors.New("admin: token lifetime must be positive")
	}
	key, err := parsePrivateKeyPEM(privPEM)
	if err != nil {
		return "", err
	}
	now := time.Now()
	all := jwt.MapClaims{}
	for k, v := range claims {
		all[k] = v
	}
	all["iat"] = now.Unix()
	all["nbf"] = now.Unix()
	all["exp"] = now.Add(ttl).Unix()
	token, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, all).SignedString(key)
	if err != nil {
		return "", fmt.Errorf("admin: sign token: %w", err)
	}
	return token, nil
}

func parsePrivateKeyPEM(data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("admin: private key is not a PKCS#8 PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("admin: parse private key: %w", err)
	}
	edKey, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("admin: private key is a %T, want Ed25519", key)
	}
	return edKey, nil
}
