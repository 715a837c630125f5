package kbs

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
)

// TEE key algorithm names as aa.toml's tee_key_algorithm spells them.
const (
	KeyAlgorithmP256       = "ECDH-ES+A256KW-P256"
	KeyAlgorithmP521       = "ECDH-ES+A256KW-P521"
	KeyAlgorithmRSAOAEP256 = AlgRSAOAEP256
)

// Key kinds and curves of TeePubKey.
const (
	ktyEC   = "EC"
	ktyRSA  = "RSA"
	crvP256 = "P-256"
	crvP521 = "P-521"
)

// RSA bounds for TEE keys received from the network: below 2048 bits is
// too weak, above 8192 only costs the server time.
const (
	minRSABits = 2048
	maxRSABits = 8192
	newRSABits = 2048
)

// ErrInvalidTeePubKey is returned when a tee-pubkey JWK is not one the
// protocol allows.
var ErrInvalidTeePubKey = errors.New("kbs: invalid tee-pubkey")

// ErrInvalidTeeKeyPair is returned when a private key cannot be a TEE key.
var ErrInvalidTeeKeyPair = errors.New("kbs: invalid TEE key pair")

// ecCurve describes a curve allowed for ECDH-ES+A256KW.
type ecCurve struct {
	name      string // JWK crv
	algorithm string // aa.toml name
	curve     elliptic.Curve
	ecdh      ecdh.Curve // the same curve, for key agreement
	size      int        // coordinate length in bytes
}

var ecCurves = []ecCurve{
	{name: crvP256, algorithm: KeyAlgorithmP256, curve: elliptic.P256(), ecdh: ecdh.P256(), size: 32},
	{name: crvP521, algorithm: KeyAlgorithmP521, curve: elliptic.P521(), ecdh: ecdh.P521(), size: 66},
}

func curveByName(crv string) (ecCurve, bool) {
	for _, c := range ecCurves {
		if c.name == crv {
			return c, true
		}
	}
	return ecCurve{}, false
}

func curveOf(curve elliptic.Curve) (ecCurve, bool) {
	for _, c := range ecCurves {
		if c.curve == curve {
			return c, true
		}
	}
	return ecCurve{}, false
}

// TeeKeyPair is the guest's ephemeral key: its public half travels as the
// tee-pubkey of the attestation and resources come back encrypted to it.
type TeeKeyPair struct {
	alg string // JWE key-management algorithm the key accepts
	ec  *ecdsa.PrivateKey
	// ecdh is ec for key agreement: crypto/ecdh multiplies without the
	// big.Int conversions of crypto/elliptic.
	ecdh  *ecdh.PrivateKey
	curve ecCurve
	rsa   *rsa.PrivateKey
	pub   TeePubKey
}

// GenerateTeeKeyPair creates a key for an aa.toml tee_key_algorithm:
// KeyAlgorithmP256 (the default, also for ""), KeyAlgorithmP521 or
// KeyAlgorithmRSAOAEP256 (RSA-2048).
func GenerateTeeKeyPair(algorithm string) (*TeeKeyPair, error) {
	if algorithm == "" {
		algorithm = KeyAlgorithmP256
	}
	if algorithm == KeyAlgorithmRSAOAEP256 {
		priv, err := rsa.GenerateKey(rand.Reader, newRSABits)
		if err != nil {
			return nil, fmt.Errorf("kbs: generate RSA key: %w", err)
		}
		return newRSAKeyPair(priv, AlgRSAOAEP256)
	}
	for _, c := range ecCurves {
		if c.algorithm == algorithm {
			priv, err := ecdsa.GenerateKey(c.curve, rand.Reader)
			if err != nil {
				return nil, fmt.Errorf("kbs: generate %s key: %w", c.name, err)
			}
			return newECKeyPair(priv)
		}
	}
	return nil, fmt.Errorf("%w: unsupported key algorithm %q", ErrInvalidTeeKeyPair, algorithm)
}

func newECKeyPair(priv *ecdsa.PrivateKey) (*TeeKeyPair, error) {
	c, ok := curveOf(priv.Curve)
	if !ok {
		return nil, fmt.Errorf("%w: EC curve %s is not P-256 or P-521", ErrInvalidTeeKeyPair, priv.Curve.Params().Name)
	}
	point, err := priv.PublicKey.Bytes() // 0x04 || X || Y, fixed width
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidTeeKeyPair, err)
	}
	agreement, err := priv.ECDH()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidTeeKeyPair, err)
	}
	return &TeeKeyPair{
		alg:   AlgECDHESA256KW,
		ec:    priv,
		ecdh:  agreement,
		curve: c,
		pub: TeePubKey{
			Kty: ktyEC,
			Crv: c.name,
			Alg: AlgECDHESA256KW,
			X:   base64.RawURLEncoding.EncodeToString(point[1 : 1+c.size]),
			Y:   base64.RawURLEncoding.EncodeToString(point[1+c.size:]),
		},
	}, nil
}

func newRSAKeyPair(priv *rsa.PrivateKey, alg string) (*TeeKeyPair, error) {
	if err := checkRSAPublicKey(priv.N, big.NewInt(int64(priv.E))); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidTeeKeyPair, err)
	}
	return &TeeKeyPair{
		alg: alg,
		rsa: priv,
		pub: TeePubKey{
			Kty: ktyRSA,
			Alg: alg,
			N:   base64.RawURLEncoding.EncodeToString(priv.N.Bytes()),
			E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(priv.E)).Bytes()),
		},
	}, nil
}

// PublicKey is the JWK to send as tee-pubkey.
func (k *TeeKeyPair) PublicKey() TeePubKey { return k.pub }

// Algorithm is the JWE key-management algorithm ("alg") the key decrypts.
func (k *TeeKeyPair) Algorithm() string { return k.alg }

// MarshalPEM encodes the private key the way guest-components does, so an
// upstream CDH can load a key our AA hands out: EC keys as PKCS#8
// "PRIVATE KEY", RSA keys as PKCS#1 "RSA PRIVATE KEY" (upstream's
// TeeKeyPair::from_pem reads RSA only as PKCS#1). The RSA padding is not
// recorded; pass it to ParseTeeKeyPairPEM.
func (k *TeeKeyPair) MarshalPEM() ([]byte, error) {
	if k.rsa != nil {
		return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.rsa)}), nil
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.ec)
	if err != nil {
		return nil, fmt.Errorf("kbs: marshal TEE key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseTeeKeyPairPEM loads a TEE key from PEM: PKCS#8 ("PRIVATE KEY"),
// SEC1 ("EC PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY"). For RSA keys,
// algorithm picks the padding the key accepts: "" or "RSA-OAEP-256"
// (default) or "RSA1_5". For EC keys it may be "", "ECDH-ES+A256KW" or
// the aa.toml name of the key's curve.
func ParseTeeKeyPairPEM(pemBytes []byte, algorithm string) (*TeeKeyPair, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrInvalidTeeKeyPair)
	}
	if len(block.Headers) != 0 {
		return nil, fmt.Errorf("%w: PEM headers (encrypted keys) are not supported", ErrInvalidTeeKeyPair)
	}
	var (
		key any
		err error
	)
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: unsupported PEM block %q", ErrInvalidTeeKeyPair, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidTeeKeyPair, err)
	}
	switch priv := key.(type) {
	case *ecdsa.PrivateKey:
		kp, err := newECKeyPair(priv)
		if err != nil {
			return nil, err
		}
		if algorithm != "" && algorithm != AlgECDHESA256KW && algorithm != kp.curve.algorithm {
			return nil, fmt.Errorf("%w: %s key cannot be used with algorithm %q", ErrInvalidTeeKeyPair, kp.curve.name, algorithm)
		}
		return kp, nil
	case *rsa.PrivateKey:
		switch algorithm {
		case "", AlgRSAOAEP256:
			return newRSAKeyPair(priv, AlgRSAOAEP256)
		case AlgRSA15:
			return newRSAKeyPair(priv, AlgRSA15)
		}
		return nil, fmt.Errorf("%w: RSA key cannot be used with algorithm %q", ErrInvalidTeeKeyPair, algorithm)
	}
	return nil, fmt.Errorf("%w: unsupported private key type %T", ErrInvalidTeeKeyPair, key)
}

// CryptoPublicKey validates an untrusted tee-pubkey and returns it as an
// *ecdsa.PublicKey (P-256 or P-521, alg ECDH-ES+A256KW, point on the curve)
// or an *rsa.PublicKey (alg RSA-OAEP-256 or RSA1_5, 2048 to 8192 bits).
func (k TeePubKey) CryptoPublicKey() (crypto.PublicKey, error) {
	switch k.Kty {
	case ktyEC:
		c, err := k.ecCurve()
		if err != nil {
			return nil, err
		}
		pub, err := parseECPoint(c, k.X, k.Y)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidTeePubKey, err)
		}
		return pub, nil
	case ktyRSA:
		if k.Alg != AlgRSAOAEP256 && k.Alg != AlgRSA15 {
			return nil, fmt.Errorf("%w: RSA key with alg %q, want %q or %q", ErrInvalidTeePubKey, k.Alg, AlgRSAOAEP256, AlgRSA15)
		}
		n, err := decodeB64URL("n", k.N)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidTeePubKey, err)
		}
		e, err := decodeB64URL("e", k.E)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidTeePubKey, err)
		}
		modulus, exponent := new(big.Int).SetBytes(n), new(big.Int).SetBytes(e)
		if err := checkRSAPublicKey(modulus, exponent); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidTeePubKey, err)
		}
		return &rsa.PublicKey{N: modulus, E: int(exponent.Int64())}, nil
	}
	return nil, fmt.Errorf("%w: unsupported kty %q", ErrInvalidTeePubKey, k.Kty)
}

// ecCurve checks the alg and crv of an EC tee-pubkey.
func (k TeePubKey) ecCurve() (ecCurve, error) {
	if k.Alg != AlgECDHESA256KW {
		return ecCurve{}, fmt.Errorf("%w: EC key with alg %q, want %q", ErrInvalidTeePubKey, k.Alg, AlgECDHESA256KW)
	}
	c, ok := curveByName(k.Crv)
	if !ok {
		return ecCurve{}, fmt.Errorf("%w: unsupported curve %q", ErrInvalidTeePubKey, k.Crv)
	}
	return c, nil
}

// ecdhPublicKey is CryptoPublicKey for an EC key (kty already checked),
// straight to the form key agreement takes, without the big.Int detour of
// an *ecdsa.PublicKey.
func (k TeePubKey) ecdhPublicKey() (ecCurve, *ecdh.PublicKey, error) {
	c, err := k.ecCurve()
	if err != nil {
		return c, nil, err
	}
	pub, err := parseECDHPoint(make([]byte, c.pointSize()), c, k.X, k.Y)
	if err != nil {
		return c, nil, fmt.Errorf("%w: %w", ErrInvalidTeePubKey, err)
	}
	return c, pub, nil
}

// parseECPoint decodes fixed-width base64url coordinates and checks the
// point lies on the curve.
func parseECPoint(c ecCurve, xB64, yB64 string) (*ecdsa.PublicKey, error) {
	point := make([]byte, c.pointSize())
	if err := uncompressedPoint(point, c, xB64, yB64); err != nil {
		return nil, err
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(c.curve, point)
	if err != nil {
		return nil, fmt.Errorf("%s point: %w", c.name, err)
	}
	return pub, nil
}

// parseECDHPoint is parseECPoint for key agreement, decoding into point,
// c.pointSize() bytes the caller provides.
func parseECDHPoint[T string | []byte](point []byte, c ecCurve, xB64, yB64 T) (*ecdh.PublicKey, error) {
	if err := uncompressedPoint(point, c, xB64, yB64); err != nil {
		return nil, err
	}
	pub, err := c.ecdh.NewPublicKey(point)
	if err != nil {
		return nil, fmt.Errorf("%s point: %w", c.name, err)
	}
	return pub, nil
}

// pointSize is the length of an uncompressed point, 0x04 || X || Y.
func (c ecCurve) pointSize() int { return 1 + 2*c.size }

// uncompressedPoint decodes fixed-width base64url coordinates into point
// as 0x04 || X || Y, leaving the curve check to the caller.
func uncompressedPoint[T string | []byte](point []byte, c ecCurve, xB64, yB64 T) error {
	point[0] = 4
	if err := decodeCoordinate(point[1:1+c.size], c, "x", xB64); err != nil {
		return err
	}
	return decodeCoordinate(point[1+c.size:], c, "y", yB64)
}

// decodeCoordinate decodes one coordinate into dst, refusing any other
// length before decoding.
func decodeCoordinate[T string | []byte](dst []byte, c ecCurve, field string, s T) error {
	if n := b64URLStrict.DecodedLen(len(s)); n != c.size {
		return fmt.Errorf("%s coordinates must be %d bytes, got %s of %d", c.name, c.size, field, n)
	}
	_, err := decodeB64URLTo(dst, field, s)
	return err
}

// checkRSAPublicKey rejects moduli outside [minRSABits, maxRSABits] and
// exponents that are even, below 3 or beyond 2^31-1.
func checkRSAPublicKey(n, e *big.Int) error {
	if bits := n.BitLen(); bits < minRSABits || bits > maxRSABits {
		return fmt.Errorf("RSA modulus is %d bits, want %d to %d", bits, minRSABits, maxRSABits)
	}
	if n.Bit(0) == 0 {
		return errors.New("RSA modulus is even")
	}
	if e.BitLen() > 31 || e.Int64() < 3 || e.Bit(0) == 0 {
		return fmt.Errorf("RSA exponent %s is not an odd number from 3 to 2^31-1", e)
	}
	return nil
}

// wireForm keeps only the members kbs-types serialises for the key's kty,
// so the digest Trustee recomputes from its parsed key matches ours.
func (k TeePubKey) wireForm() TeePubKey {
	switch k.Kty {
	case ktyEC:
		return TeePubKey{Kty: k.Kty, Alg: k.Alg, Crv: k.Crv, X: k.X, Y: k.Y}
	case ktyRSA:
		return TeePubKey{Kty: k.Kty, Alg: k.Alg, N: k.N, E: k.E}
	}
	return k
}
