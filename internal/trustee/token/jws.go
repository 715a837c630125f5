package token

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// compactJWS is a compact JWS split and decoded once. The protected
// header's members keep their exact, case-sensitive names.
type compactJWS struct {
	header       map[string]json.RawMessage
	alg          string
	signingInput string // "header.payload" as received
	payload      []byte
	signature    []byte
}

// parseCompactJWS splits a compact JWS and reads the header members that
// decide how it is verified. A "crit" member is refused: none of its
// extensions is understood here (upstream's jsonwebtoken knows none either).
func parseCompactJWS(token string) (compactJWS, error) {
	var jws compactJWS
	header, rest, ok := strings.Cut(token, ".")
	payload, signature, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || strings.Contains(signature, ".") {
		return jws, errors.New("not a compact JWS (want three dot-separated parts)")
	}
	rawHeader, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil {
		return jws, fmt.Errorf("header is not base64url: %w", err)
	}
	if err := json.Unmarshal(rawHeader, &jws.header); err != nil || jws.header == nil {
		return jws, errors.New("header is not a JSON object")
	}
	if _, ok := jws.header["crit"]; ok {
		return jws, errors.New(`header has "crit": no critical extension is supported`)
	}
	if b64, ok := jws.header["b64"]; ok && !bytes.Equal(b64, []byte("true")) {
		return jws, errors.New(`header "b64" other than true is not supported`)
	}
	if err := json.Unmarshal(jws.header["alg"], &jws.alg); err != nil || jws.alg == "" {
		return jws, errors.New(`header "alg" is missing or not a string`)
	}
	if jws.payload, err = base64.RawURLEncoding.DecodeString(payload); err != nil {
		return jws, fmt.Errorf("payload is not base64url: %w", err)
	}
	if jws.signature, err = base64.RawURLEncoding.DecodeString(signature); err != nil {
		return jws, fmt.Errorf("signature is not base64url: %w", err)
	}
	jws.signingInput = token[:len(header)+1+len(payload)]
	return jws, nil
}

// stringMember reads an optional string member of the header.
func (j *compactJWS) stringMember(name string) (string, error) {
	raw, ok := j.header[name]
	if !ok {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("header %q is not a string", name)
	}
	return s, nil
}

// verifySignature checks the signature with key as go-jose's verifiers do
// for each algorithm of allowedAlgorithms: the key type and, for ECDSA, the
// curve must be the algorithm's; an ECDSA signature is r || s of exactly
// twice the curve's size.
func (j *compactJWS) verifySignature(key crypto.PublicKey) error {
	var ok bool
	switch alg := jose.SignatureAlgorithm(j.alg); alg {
	case jose.ES256, jose.ES384, jose.ES512:
		pub, isEC := key.(*ecdsa.PublicKey)
		if !isEC || pub.Curve != ecdsaCurve(alg) {
			return fmt.Errorf("algorithm %s does not fit the key", alg)
		}
		size := (pub.Curve.Params().BitSize + 7) / 8
		if len(j.signature) != 2*size {
			return fmt.Errorf("%s signature is %d bytes, want %d", alg, len(j.signature), 2*size)
		}
		r, s := new(big.Int).SetBytes(j.signature[:size]), new(big.Int).SetBytes(j.signature[size:])
		_, d := digest(alg, j.signingInput)
		ok = ecdsa.Verify(pub, d, r, s)
	case jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512:
		pub, isRSA := key.(*rsa.PublicKey)
		if !isRSA {
			return fmt.Errorf("algorithm %s does not fit the key", alg)
		}
		hash, d := digest(alg, j.signingInput)
		if strings.HasPrefix(j.alg, "PS") {
			ok = rsa.VerifyPSS(pub, hash, d, j.signature, nil) == nil
		} else {
			ok = rsa.VerifyPKCS1v15(pub, hash, d, j.signature) == nil
		}
	case jose.EdDSA:
		pub, isEd := key.(ed25519.PublicKey)
		if !isEd {
			return fmt.Errorf("algorithm %s does not fit the key", alg)
		}
		ok = ed25519.Verify(pub, []byte(j.signingInput), j.signature)
	default:
		return fmt.Errorf("signature algorithm %q is not allowed", j.alg)
	}
	if !ok {
		return errors.New("signature does not verify")
	}
	return nil
}

func ecdsaCurve(alg jose.SignatureAlgorithm) elliptic.Curve {
	switch alg {
	case jose.ES256:
		return elliptic.P256()
	case jose.ES384:
		return elliptic.P384()
	default:
		return elliptic.P521()
	}
}

// digest hashes the signing input with the hash the algorithm names by its
// suffix (256, 384 or 512).
func digest(alg jose.SignatureAlgorithm, input string) (crypto.Hash, []byte) {
	switch {
	case strings.HasSuffix(string(alg), "256"):
		d := sha256.Sum256([]byte(input))
		return crypto.SHA256, d[:]
	case strings.HasSuffix(string(alg), "384"):
		d := sha512.Sum384([]byte(input))
		return crypto.SHA384, d[:]
	default:
		d := sha512.Sum512([]byte(input))
		return crypto.SHA512, d[:]
	}
}
