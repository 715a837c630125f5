package admin

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cocoon-cc/cocoon/internal/trustee/config"
)

// asymmetricAlgs are the JWS algorithms upstream's bearer_jwt accepts.
var asymmetricAlgs = []string{"EdDSA", "ES256", "ES384", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}

// minRSABits refuses RSA keys too short to trust with admin rights.
const minRSABits = 2048

// errNoKey: nothing in the key set fits the token's alg (and kid).
var errNoKey = errors.New("no trusted key for the token's algorithm and key id")

// ErrRemoteKeysUnsupported is returned by New for https:// key sources.
var ErrRemoteKeysUnsupported = errors.New("fetching keys over https:// is not supported yet by Cocoon; download the file and give its path")

// trustedKey is one verification key; kid and alg are only known for JWKS keys.
type trustedKey struct {
	kid string
	alg string
	key crypto.PublicKey
}

type keySet []trustedKey

// keyFunc offers jwt the keys that fit the token header: the key type must
// match the alg family (and curve), and a JWK's own kid/alg must agree.
func (ks keySet) keyFunc(t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	kid, _ := t.Header["kid"].(string)
	var fit jwt.VerificationKeySet
	for _, k := range ks {
		if (k.kid != "" && kid != "" && k.kid != kid) || (k.alg != "" && k.alg != alg) || !keyFitsAlg(k.key, alg) {
			continue
		}
		fit.Keys = append(fit.Keys, k.key)
	}
	if len(fit.Keys) == 0 {
		return nil, errNoKey
	}
	return fit, nil
}

func keyFitsAlg(key crypto.PublicKey, alg string) bool {
	switch k := key.(type) {
	case ed25519.PublicKey:
		return alg == "EdDSA"
	case *ecdsa.PublicKey:
		return (alg == "ES256" && k.Curve == elliptic.P256()) || (alg == "ES384" && k.Curve == elliptic.P384())
	case *rsa.PublicKey:
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	}
	return false
}

// isKeyMismatch tells failures that only mean "not this key" apart from
// failures of a token a key did verify.
func isKeyMismatch(err error) bool {
	return errors.Is(err, jwt.ErrTokenSignatureInvalid) || errors.Is(err, jwt.ErrTokenUnverifiable) || errors.Is(err, errNoKey)
}

func loadIdentityProviderKeys(idp config.IdentityProvider) (keySet, error) {
	var keys keySet
	if idp.PublicKeyURI != "" {
		key, err := loadPublicKey(idp.PublicKeyURI)
		if err != nil {
			return nil, fmt.Errorf("public_key_uri: %w", err)
		}
		keys = append(keys, trustedKey{key: key})
	}
	if idp.JWKSetURI != "" {
		data, err := readKeySource(idp.JWKSetURI)
		if err != nil {
			return nil, fmt.Errorf("jwk_set_uri: %w", err)
		}
		jwks, err := parseJWKS(data)
		if err != nil {
			return nil, fmt.Errorf("jwk_set_uri %s: %w", idp.JWKSetURI, err)
		}
		keys = append(keys, jwks...)
	}
	return keys, nil
}

// loadPublicKey reads a PEM public key (EC P-256/P-384, RSA, Ed25519).
func loadPublicKey(source string) (crypto.PublicKey, error) {
	data, err := readKeySource(source)
	if err != nil {
		return nil, err
	}
	key, err := parsePublicKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return key, nil
}

// readKeySource reads a local path or file:// URI.
func readKeySource(source string) ([]byte, error) {
	path := source
	if scheme, _, ok := strings.Cut(source, "://"); ok {
		switch scheme {
		case "file":
			u, err := url.Parse(source)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", source, err)
			}
			path = u.Path
		case "https":
			return nil, fmt.Errorf("%s: %w", source, ErrRemoteKeysUnsupported)
		default:
			return nil, fmt.Errorf("%s: unsupported scheme %q (use a path or file://)", source, scheme)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	return data, nil
}

func parsePublicKeyPEM(data []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	var (
		key crypto.PublicKey
		err error
	)
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block %q is not a public key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	return key, checkUsableKey(key)
}

// parseJWKS reads a JWK Set; private members are dropped, symmetric keys refused.
func parseJWKS(data []byte) (keySet, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("parse JWK set: %w", err)
	}
	var keys keySet
	for i, jwk := range set.Keys {
		if jwk.Use == "enc" {
			continue
		}
		public := jwk.Public()
		if !public.Valid() {
			return nil, fmt.Errorf("key %d (kid %q) is not an asymmetric public key", i, jwk.KeyID)
		}
		if err := checkUsableKey(public.Key); err != nil {
			return nil, fmt.Errorf("key %d (kid %q): %w", i, jwk.KeyID, err)
		}
		keys = append(keys, trustedKey{kid: jwk.KeyID, alg: jwk.Algorithm, key: public.Key})
	}
	if len(keys) == 0 {
		return nil, errors.New("JWK set has no signature keys")
	}
	return keys, nil
}

func checkUsableKey(key crypto.PublicKey) error {
	switch k := key.(type) {
	case ed25519.PublicKey:
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return fmt.Errorf("EC curve %s is not P-256 or P-384", k.Curve.Params().Name)
		}
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSABits {
			return fmt.Errorf("RSA key of %d bits is shorter than %d", k.N.BitLen(), minRSABits)
		}
	default:
		return fmt.Errorf("unsupported key type %T", key)
	}
	return nil
}
