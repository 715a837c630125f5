package kbs

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	josecipher "github.com/go-jose/go-jose/v4/cipher"
)

// Sizes of the A256GCM content encryption.
const (
	cekSize = 32
	ivSize  = 12
	tagSize = 16
)

// ErrDecrypt is returned for every JWE the TEE key cannot open.
var ErrDecrypt = errors.New("kbs: decrypt JWE")

// protectedHeader is the JWE header as Trustee emits it. Field order is
// wire format: guest-components re-serialises the header as alg, enc, then
// the other members in received order and uses that as the AAD.
type protectedHeader struct {
	Alg string        `json:"alg"`
	Enc string        `json:"enc"`
	Epk *ephemeralKey `json:"epk,omitempty"`
}

// ephemeralKey is the "epk" member, members in Trustee's order.
type ephemeralKey struct {
	Crv string `json:"crv"`
	Kty string `json:"kty"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// encode returns the base64url "protected" string, which is also the AAD.
func (h protectedHeader) encode() (string, error) {
	raw, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// Encrypt seals plaintext to a TEE public key as Trustee does for a
// resource: A256GCM content encryption under a fresh key, wrapped with the
// key-management algorithm the tee-pubkey names.
func Encrypt(key TeePubKey, plaintext []byte) (*Response, error) {
	pub, err := key.CryptoPublicKey()
	if err != nil {
		return nil, err
	}
	cek := make([]byte, cekSize)
	if _, err := rand.Read(cek); err != nil {
		return nil, fmt.Errorf("kbs: encrypt: %w", err)
	}
	header := protectedHeader{Alg: key.Alg, Enc: EncA256GCM}
	var encryptedKey []byte
	switch pub := pub.(type) {
	case *ecdsa.PublicKey:
		header.Epk, encryptedKey, err = wrapECDHES(pub, cek)
	case *rsa.PublicKey:
		encryptedKey, err = wrapRSA(key.Alg, pub, cek)
	default:
		err = fmt.Errorf("unexpected key type %T", pub)
	}
	if err != nil {
		return nil, fmt.Errorf("kbs: encrypt: %w", err)
	}
	protected, err := header.encode()
	if err != nil {
		return nil, fmt.Errorf("kbs: encrypt: %w", err)
	}
	iv := make([]byte, ivSize)
	if _, err := rand.Read(iv); err != nil {
		return nil, fmt.Errorf("kbs: encrypt: %w", err)
	}
	gcm, err := newGCM(cek)
	if err != nil {
		return nil, fmt.Errorf("kbs: encrypt: %w", err)
	}
	sealed := gcm.Seal(nil, iv, plaintext, []byte(protected))
	b64 := base64.RawURLEncoding.EncodeToString
	return &Response{
		Protected:    protected,
		EncryptedKey: b64(encryptedKey),
		IV:           b64(iv),
		Ciphertext:   b64(sealed[:len(sealed)-tagSize]),
		Tag:          b64(sealed[len(sealed)-tagSize:]),
	}, nil
}

// wrapECDHES agrees a key with an ephemeral key on pub's curve (Concat KDF,
// empty apu/apv) and AES-key-wraps the CEK with it.
func wrapECDHES(pub *ecdsa.PublicKey, cek []byte) (*ephemeralKey, []byte, error) {
	c, ok := curveOf(pub.Curve)
	if !ok {
		return nil, nil, fmt.Errorf("unsupported curve %s", pub.Curve.Params().Name)
	}
	peer, err := pub.ECDH()
	if err != nil {
		return nil, nil, err
	}
	eph, err := c.ecdh.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	z, err := eph.ECDH(peer)
	if err != nil {
		return nil, nil, err
	}
	kek := deriveKEK(z, nil, nil)
	block, err := aes.NewCipher(kek[:])
	if err != nil {
		return nil, nil, err
	}
	wrapped, err := josecipher.KeyWrap(block, cek)
	if err != nil {
		return nil, nil, err
	}
	point := eph.PublicKey().Bytes() // 0x04 || X || Y, fixed width
	b64 := base64.RawURLEncoding.EncodeToString
	epk := &ephemeralKey{Crv: c.name, Kty: ktyEC, X: b64(point[1 : 1+c.size]), Y: b64(point[1+c.size:])}
	return epk, wrapped, nil
}

// deriveKEK is the Concat KDF of RFC 7518 §4.6 for ECDH-ES+A256KW, as
// go-jose's DeriveECDHES computes it but without its big.Int detour: the
// 256-bit key is a single SHA-256 round over counter 1, the shared secret
// Z, then AlgorithmID, PartyUInfo and PartyVInfo (each length-prefixed)
// and SuppPubInfo, the key length in bits.
func deriveKEK(z, apu, apv []byte) [sha256.Size]byte {
	const keyBits = 8 * sha256.Size
	input := make([]byte, 0, 4+len(z)+12+len(AlgECDHESA256KW)+len(apu)+len(apv)+4)
	input = binary.BigEndian.AppendUint32(input, 1)
	input = append(input, z...)
	for _, info := range [][]byte{[]byte(AlgECDHESA256KW), apu, apv} {
		input = binary.BigEndian.AppendUint32(input, uint32(len(info)))
		input = append(input, info...)
	}
	input = binary.BigEndian.AppendUint32(input, keyBits)
	return sha256.Sum256(input)
}

func wrapRSA(alg string, pub *rsa.PublicKey, cek []byte) ([]byte, error) {
	if alg == AlgRSA15 {
		// Deprecated upstream too, but Trustee still serves keys that ask for it.
		return rsa.EncryptPKCS1v15(rand.Reader, pub, cek) //nolint:staticcheck // RSA1_5 is a KBS protocol algorithm
	}
	return rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, cek, nil)
}

func newGCM(cek []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Decrypt opens a resource JWE sealed to k. The header's alg must be the
// key's own algorithm (no downgrade to RSA1_5 for an OAEP key), enc must be
// A256GCM, and the AAD is the received protected string (plus "." and the
// aad member when one is present, per RFC 7516).
func (k *TeeKeyPair) Decrypt(r *Response) ([]byte, error) {
	if k == nil || r == nil {
		return nil, fmt.Errorf("%w: no key or no response", ErrDecrypt)
	}
	header, err := parseProtectedHeader(r.Protected)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	if header.alg != k.alg {
		return nil, fmt.Errorf("%w: alg %q does not match the TEE key's %q", ErrDecrypt, header.alg, k.alg)
	}
	if header.enc != EncA256GCM {
		return nil, fmt.Errorf("%w: unsupported enc %q", ErrDecrypt, header.enc)
	}
	parts, err := decodeParts(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	cek, err := k.unwrapCEK(header, parts.encryptedKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	gcm, err := newGCM(cek)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	aad := r.Protected
	if r.AAD != "" {
		aad += "." + r.AAD
	}
	sealed := append(parts.ciphertext, parts.tag...)
	plaintext, err := gcm.Open(nil, parts.iv, sealed, []byte(aad))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	return plaintext, nil
}

// jweParts are the decoded binary members of a Response.
type jweParts struct {
	encryptedKey, iv, ciphertext, tag []byte
}

func decodeParts(r *Response) (jweParts, error) {
	var p jweParts
	var err error
	if p.encryptedKey, err = decodeB64URL("encrypted_key", r.EncryptedKey); err != nil {
		return p, err
	}
	if p.iv, err = decodeB64URL("iv", r.IV); err != nil {
		return p, err
	}
	if p.ciphertext, err = decodeB64URL("ciphertext", r.Ciphertext); err != nil {
		return p, err
	}
	if p.tag, err = decodeB64URL("tag", r.Tag); err != nil {
		return p, err
	}
	if r.AAD != "" {
		if _, err := decodeB64URL("aad", r.AAD); err != nil {
			return p, err
		}
	}
	if len(p.iv) != ivSize {
		return p, fmt.Errorf("iv is %d bytes, want %d", len(p.iv), ivSize)
	}
	if len(p.tag) != tagSize {
		return p, fmt.Errorf("tag is %d bytes, want %d", len(p.tag), tagSize)
	}
	return p, nil
}

// receivedHeader holds the members of a received protected header that
// decryption reads.
type receivedHeader struct {
	alg, enc string
	epk      map[string]any
	apu, apv []byte
}

// parseProtectedHeader decodes the header with exact (case-sensitive) member
// names and rejects members that would change the meaning of the JWE.
func parseProtectedHeader(protected string) (receivedHeader, error) {
	var h receivedHeader
	raw, err := decodeB64URL("protected", protected)
	if err != nil {
		return h, err
	}
	// One decoding into generic values: unlike a struct, map keys keep
	// member names exact. Numbers beyond float64 fail, as in serde_json.
	var members map[string]any
	if err := json.Unmarshal(raw, &members); err != nil {
		return h, fmt.Errorf("protected header: %w", err)
	}
	for _, unsupported := range []string{"zip", "crit"} {
		if _, ok := members[unsupported]; ok {
			return h, fmt.Errorf("protected header: unsupported member %q", unsupported)
		}
	}
	if h.alg, err = stringMember(members, "alg"); err != nil {
		return h, fmt.Errorf("protected header: %w", err)
	}
	if h.enc, err = stringMember(members, "enc"); err != nil {
		return h, fmt.Errorf("protected header: %w", err)
	}
	if epk, ok := members["epk"]; ok {
		if h.epk, ok = epk.(map[string]any); !ok {
			return h, errors.New("protected header: epk is not an object")
		}
	}
	if h.apu, err = optionalBytesMember(members, "apu"); err != nil {
		return h, fmt.Errorf("protected header: %w", err)
	}
	if h.apv, err = optionalBytesMember(members, "apv"); err != nil {
		return h, fmt.Errorf("protected header: %w", err)
	}
	return h, nil
}

// optionalBytesMember decodes an optional base64url string member.
func optionalBytesMember(members map[string]any, name string) ([]byte, error) {
	if _, ok := members[name]; !ok {
		return nil, nil
	}
	s, err := stringMember(members, name)
	if err != nil {
		return nil, err
	}
	return decodeB64URL(name, s)
}

// stringMember returns a required string member of a JSON object.
func stringMember(members map[string]any, name string) (string, error) {
	v, ok := members[name]
	if !ok {
		return "", fmt.Errorf("missing %q", name)
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%q is not a string", name)
	}
	return s, nil
}

// unwrapCEK recovers the 32-byte content key for the header's algorithm,
// already checked to be k.alg.
func (k *TeeKeyPair) unwrapCEK(h receivedHeader, encryptedKey []byte) ([]byte, error) {
	var cek []byte
	switch k.alg {
	case AlgECDHESA256KW:
		epk, err := k.peerKey(h.epk)
		if err != nil {
			return nil, err
		}
		z, err := k.ecdh.ECDH(epk)
		if err != nil {
			return nil, err
		}
		kek := deriveKEK(z, h.apu, h.apv)
		block, err := aes.NewCipher(kek[:])
		if err != nil {
			return nil, err
		}
		if cek, err = josecipher.KeyUnwrap(block, encryptedKey); err != nil {
			return nil, err
		}
	case AlgRSAOAEP256:
		var err error
		if cek, err = rsa.DecryptOAEP(sha256.New(), nil, k.rsa, encryptedKey, nil); err != nil {
			return nil, err
		}
	case AlgRSA15:
		// A random CEK on bad padding (RFC 7516 §11.5): the failure then
		// surfaces as a GCM tag mismatch, not as a padding oracle.
		cek = make([]byte, cekSize)
		if _, err := rand.Read(cek); err != nil {
			return nil, err
		}
		if err := rsa.DecryptPKCS1v15SessionKey(nil, k.rsa, encryptedKey, cek); err != nil { //nolint:staticcheck // only for keys loaded as RSA1_5
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unsupported alg %q", k.alg)
	}
	if len(cek) != cekSize {
		return nil, fmt.Errorf("content key is %d bytes, want %d", len(cek), cekSize)
	}
	return cek, nil
}

// peerKey validates the sender's ephemeral key: an EC point on our own curve.
func (k *TeeKeyPair) peerKey(epk map[string]any) (*ecdh.PublicKey, error) {
	if epk == nil {
		return nil, errors.New("protected header: missing epk")
	}
	kty, err := stringMember(epk, "kty")
	if err != nil {
		return nil, fmt.Errorf("epk: %w", err)
	}
	if kty != ktyEC {
		return nil, fmt.Errorf("epk: kty %q, want %q", kty, ktyEC)
	}
	crv, err := stringMember(epk, "crv")
	if err != nil {
		return nil, fmt.Errorf("epk: %w", err)
	}
	if crv != k.curve.name {
		return nil, fmt.Errorf("epk: curve %q does not match the TEE key's %q", crv, k.curve.name)
	}
	x, err := stringMember(epk, "x")
	if err != nil {
		return nil, fmt.Errorf("epk: %w", err)
	}
	y, err := stringMember(epk, "y")
	if err != nil {
		return nil, fmt.Errorf("epk: %w", err)
	}
	pub, err := parseECDHPoint(k.curve, x, y)
	if err != nil {
		return nil, fmt.Errorf("epk: %w", err)
	}
	return pub, nil
}
