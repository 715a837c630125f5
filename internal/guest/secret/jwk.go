package secret

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// AlgES256 is the only signing algorithm of sealed secrets.
const AlgES256 = "ES256"

const p256Size = 32

// JWK is an EC P-256 JSON Web Key as upstream's keygen writes it. D is
// empty in a public key.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	Alg string `json:"alg,omitempty"`
	Use string `json:"use,omitempty"`
	Kid string `json:"kid,omitempty"`
	X   string `json:"x"`
	Y   string `json:"y"`
	D   string `json:"d,omitempty"`
}

// GenerateSigningKey creates a P-256 signing key.
func GenerateSigningKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// PublicJWK is the public key as a JWK with alg ES256, use sig and kid.
func PublicJWK(pub *ecdsa.PublicKey, kid string) (JWK, error) {
	point, err := pub.Bytes()
	if err != nil || pub.Curve != elliptic.P256() {
		return JWK{}, fmt.Errorf("%w: not a P-256 key", ErrVerificationKey)
	}
	return JWK{
		Kty: "EC", Crv: "P-256", Alg: AlgES256, Use: "sig", Kid: kid,
		X: base64.RawURLEncoding.EncodeToString(point[1 : 1+p256Size]),
		Y: base64.RawURLEncoding.EncodeToString(point[1+p256Size:]),
	}, nil
}

// PrivateJWK is PublicJWK with the private scalar d.
func PrivateJWK(priv *ecdsa.PrivateKey, kid string) (JWK, error) {
	j, err := PublicJWK(&priv.PublicKey, kid)
	if err != nil {
		return JWK{}, err
	}
	d, err := priv.Bytes()
	if err != nil {
		return JWK{}, fmt.Errorf("%w: %w", ErrVerificationKey, err)
	}
	j.D = base64.RawURLEncoding.EncodeToString(d)
	return j, nil
}

// ParseVerificationKey reads the public key of a P-256 JWK; a private
// member d, if present, is ignored.
func ParseVerificationKey(b []byte) (*ecdsa.PublicKey, error) {
	j, err := parseJWK(b)
	if err != nil {
		return nil, err
	}
	return j.publicKey()
}

// ParseSigningKey reads a private P-256 JWK and checks that d matches x, y.
func ParseSigningKey(b []byte) (*ecdsa.PrivateKey, error) {
	j, err := parseJWK(b)
	if err != nil {
		return nil, err
	}
	pub, err := j.publicKey()
	if err != nil {
		return nil, err
	}
	d, err := decodeB64URL(j.D)
	if err != nil || j.D == "" {
		return nil, fmt.Errorf("%w: private JWK needs d (base64url)", ErrVerificationKey)
	}
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		return nil, fmt.Errorf("%w: d: %w", ErrVerificationKey, err)
	}
	want, _ := pub.Bytes()
	got, _ := priv.PublicKey.Bytes()
	if subtle.ConstantTimeCompare(want, got) != 1 {
		return nil, fmt.Errorf("%w: d does not match x and y", ErrVerificationKey)
	}
	return priv, nil
}

func parseJWK(b []byte) (JWK, error) {
	var j JWK
	if err := json.Unmarshal(b, &j); err != nil {
		return JWK{}, fmt.Errorf("%w: not a JWK: %w", ErrVerificationKey, err)
	}
	if j.Kty != "EC" || j.Crv != "P-256" {
		return JWK{}, fmt.Errorf("%w: key must be an EC P-256 JWK, got kty %q crv %q", ErrVerificationKey, j.Kty, j.Crv)
	}
	if j.Alg != "" && j.Alg != AlgES256 {
		return JWK{}, fmt.Errorf("%w: key alg %q, want %s", ErrVerificationKey, j.Alg, AlgES256)
	}
	return j, nil
}

func (j JWK) publicKey() (*ecdsa.PublicKey, error) {
	x, errX := decodeB64URL(j.X)
	y, errY := decodeB64URL(j.Y)
	if errX != nil || errY != nil || len(x) != p256Size || len(y) != p256Size {
		return nil, fmt.Errorf("%w: x and y must be 32-byte base64url values", ErrVerificationKey)
	}
	point := append(append([]byte{4}, x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVerificationKey, err)
	}
	return pub, nil
}

// decodeB64URL decodes unpadded base64url strictly, as Rust's URL_SAFE_NO_PAD.
func decodeB64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.Strict().DecodeString(s)
}
