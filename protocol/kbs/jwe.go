package kbs

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Sizes of the A256GCM content encryption.
const (
	cekSize = 32
	ivSize  = 12
	tagSize = 16
)

// maxHeaderSize bounds the JSON of an emitted protected header (P-521 is
// the largest), so that it is built on the stack.
const maxHeaderSize = 320

// ErrDecrypt is returned for every JWE the TEE key cannot open.
var ErrDecrypt = errors.New("kbs: decrypt JWE")

// Encrypt seals plaintext to a TEE public key as Trustee does for a
// resource: A256GCM content encryption under a fresh key, wrapped with the
// key-management algorithm the tee-pubkey names.
func Encrypt(key TeePubKey, plaintext []byte) (*Response, error) {
	var cekArray [cekSize]byte
	cek := cekArray[:]
	if _, err := rand.Read(cek); err != nil {
		return nil, fmt.Errorf("kbs: encrypt: %w", err)
	}
	header := protectedHeader{alg: key.Alg, enc: EncA256GCM}
	var wrapped [wrappedKeySize]byte
	var encryptedKey []byte
	if key.Kty == ktyEC {
		c, peer, err := key.ecdhPublicKey()
		if err != nil {
			return nil, err
		}
		eph, err := wrapECDHES(peer, cek, &wrapped)
		if err != nil {
			return nil, fmt.Errorf("kbs: encrypt: %w", err)
		}
		header.crv, header.epk, encryptedKey = c, eph.Bytes(), wrapped[:]
	} else {
		pub, err := key.CryptoPublicKey()
		if err != nil {
			return nil, err
		}
		rsaPub, ok := pub.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("kbs: encrypt: unexpected key type %T", pub)
		}
		if encryptedKey, err = wrapRSA(key.Alg, rsaPub, cek); err != nil {
			return nil, fmt.Errorf("kbs: encrypt: %w", err)
		}
	}
	var headerJSON [maxHeaderSize]byte
	raw := header.appendJSON(headerJSON[:0])
	// One buffer for what GCM reads and writes (the interface call would
	// move them to the heap anyway): the protected string, which is the
	// AAD, the IV and the sealed content.
	protectedLen := base64.RawURLEncoding.EncodedLen(len(raw))
	buf := make([]byte, protectedLen+ivSize, protectedLen+ivSize+len(plaintext)+tagSize)
	aad, iv := buf[:protectedLen], buf[protectedLen:]
	base64.RawURLEncoding.Encode(aad, raw)
	if _, err := rand.Read(iv); err != nil {
		return nil, fmt.Errorf("kbs: encrypt: %w", err)
	}
	gcm, err := newGCM(cek)
	if err != nil {
		return nil, fmt.Errorf("kbs: encrypt: %w", err)
	}
	sealed := gcm.Seal(buf[len(buf):], iv, plaintext, aad)
	return newResponse(aad, encryptedKey, iv, sealed[:len(plaintext)], sealed[len(plaintext):]), nil
}

// wrapECDHES agrees a key with an ephemeral key on peer's curve (Concat
// KDF, empty apu/apv), AES-key-wraps the CEK with it into dst and returns
// the ephemeral public key.
func wrapECDHES(peer *ecdh.PublicKey, cek []byte, dst *[wrappedKeySize]byte) (*ecdh.PublicKey, error) {
	eph, err := peer.Curve().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	z, err := eph.ECDH(peer)
	if err != nil {
		return nil, err
	}
	kek := deriveKEK(z, nil, nil)
	if err := aesKeyWrap(dst, kek[:], cek); err != nil {
		return nil, err
	}
	return eph.PublicKey(), nil
}

// newResponse base64url-encodes the members into one string allocation.
// protected is already encoded.
func newResponse(protected, encryptedKey, iv, ciphertext, tag []byte) *Response {
	enc := base64.RawURLEncoding
	ends := [5]int{len(protected)}
	for i, part := range [][]byte{encryptedKey, iv, ciphertext, tag} {
		ends[i+1] = ends[i] + enc.EncodedLen(len(part))
	}
	var sb strings.Builder
	sb.Grow(ends[4])
	sb.Write(protected)
	writeB64URL(&sb, encryptedKey)
	writeB64URL(&sb, iv)
	writeB64URL(&sb, ciphertext)
	writeB64URL(&sb, tag)
	all := sb.String()
	return &Response{
		Protected:    all[:ends[0]],
		EncryptedKey: all[ends[0]:ends[1]],
		IV:           all[ends[1]:ends[2]],
		Ciphertext:   all[ends[2]:ends[3]],
		Tag:          all[ends[3]:ends[4]],
	}
}

// deriveKEK is the Concat KDF of RFC 7518 §4.6 for ECDH-ES+A256KW, as
// go-jose's DeriveECDHES computes it but without its big.Int detour: the
// 256-bit key is a single SHA-256 round over counter 1, the shared secret
// Z, then AlgorithmID, PartyUInfo and PartyVInfo (each length-prefixed)
// and SuppPubInfo, the key length in bits.
func deriveKEK(z, apu, apv []byte) [sha256.Size]byte {
	const keyBits = 8 * sha256.Size
	var buf [128]byte // enough for P-521 without apu and apv
	input := binary.BigEndian.AppendUint32(buf[:0], 1)
	input = append(input, z...)
	input = appendKDFInfo(input, []byte(AlgECDHESA256KW))
	input = appendKDFInfo(input, apu)
	input = appendKDFInfo(input, apv)
	input = binary.BigEndian.AppendUint32(input, keyBits)
	return sha256.Sum256(input)
}

// appendKDFInfo appends a length-prefixed Concat KDF field.
func appendKDFInfo(dst, info []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(info)))
	return append(dst, info...)
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
