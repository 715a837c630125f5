package kbs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"sort"
	"strings"
	"testing"
)

func TestGenerateTeeKeyPair(t *testing.T) {
	tests := []struct {
		algorithm, kty, crv, alg string
		coordinateSize           int
	}{
		{"", "EC", "P-256", AlgECDHESA256KW, 32},
		{KeyAlgorithmP256, "EC", "P-256", AlgECDHESA256KW, 32},
		{KeyAlgorithmP521, "EC", "P-521", AlgECDHESA256KW, 66},
		{KeyAlgorithmRSAOAEP256, "RSA", "", AlgRSAOAEP256, 0},
	}
	for _, tt := range tests {
		t.Run(tt.algorithm, func(t *testing.T) {
			k, err := GenerateTeeKeyPair(tt.algorithm)
			if err != nil {
				t.Fatal(err)
			}
			pub := k.PublicKey()
			if pub.Kty != tt.kty || pub.Crv != tt.crv || pub.Alg != tt.alg || k.Algorithm() != tt.alg {
				t.Errorf("PublicKey() = %+v, algorithm %q", pub, k.Algorithm())
			}
			if tt.kty == "EC" {
				for name, c := range map[string]string{"x": pub.X, "y": pub.Y} {
					raw, err := base64.RawURLEncoding.DecodeString(c)
					if err != nil || len(raw) != tt.coordinateSize {
						t.Errorf("%s = %q: %d bytes, %v; want %d", name, c, len(raw), err, tt.coordinateSize)
					}
				}
			} else {
				n, err := base64.RawURLEncoding.DecodeString(pub.N)
				if err != nil || len(n) != 256 || n[0] == 0 {
					t.Errorf("n is %d bytes (leading %x), %v; want 256 without leading zero", len(n), n[:1], err)
				}
				if pub.E != "AQAB" {
					t.Errorf("e = %q, want AQAB", pub.E)
				}
			}
			cryptoPub, err := pub.CryptoPublicKey()
			if err != nil {
				t.Fatalf("CryptoPublicKey of our own key: %v", err)
			}
			if !publicKeyOf(k).(interface{ Equal(crypto.PublicKey) bool }).Equal(cryptoPub) {
				t.Error("CryptoPublicKey does not round-trip the generated key")
			}
		})
	}
	for _, bad := range []string{"RSA1_5", "P-256", "ECDH-ES+A256KW", "ECDH-ES+A256KW-P384", "ML-KEM-768+A192KW", "ecdh-es+a256kw-p256"} {
		if _, err := GenerateTeeKeyPair(bad); !errors.Is(err, ErrInvalidTeeKeyPair) {
			t.Errorf("GenerateTeeKeyPair(%q) error = %v, want ErrInvalidTeeKeyPair", bad, err)
		}
	}
}

func publicKeyOf(k *TeeKeyPair) any {
	if k.rsa != nil {
		return &k.rsa.PublicKey
	}
	return &k.ec.PublicKey
}

// The JWK members on the wire are exactly those of kbs-types' TeePubKey.
func TestPublicKeyJSONMembers(t *testing.T) {
	keys := testKeys(t)
	want := map[string]string{
		"P-256":        "alg,crv,kty,x,y",
		"P-521":        "alg,crv,kty,x,y",
		"RSA-OAEP-256": "alg,e,kty,n",
		"RSA1_5":       "alg,e,kty,n",
	}
	for name, k := range keys {
		raw, err := json.Marshal(k.PublicKey())
		if err != nil {
			t.Fatal(err)
		}
		var members map[string]string
		if err := json.Unmarshal(raw, &members); err != nil {
			t.Fatal(err)
		}
		var names []string
		for m := range members {
			names = append(names, m)
		}
		sort.Strings(names)
		if got := strings.Join(names, ","); got != want[name] {
			t.Errorf("%s JWK members = %s, want %s (%s)", name, got, want[name], raw)
		}
	}
	if alg := keys["RSA1_5"].PublicKey().Alg; alg != AlgRSA15 {
		t.Errorf("RSA1_5 key advertises alg %q", alg)
	}
}

func TestTeeKeyPairPEMRoundTrip(t *testing.T) {
	for name, k := range testKeys(t) {
		t.Run(name, func(t *testing.T) {
			pemBytes, err := k.MarshalPEM()
			if err != nil {
				t.Fatal(err)
			}
			block, _ := pem.Decode(pemBytes)
			wantType := "PRIVATE KEY"
			if k.rsa != nil {
				wantType = "RSA PRIVATE KEY" // what guest-components' from_pem reads
			}
			if block == nil || block.Type != wantType {
				t.Fatalf("MarshalPEM block = %v, want type %q", block, wantType)
			}
			back, err := ParseTeeKeyPairPEM(pemBytes, k.Algorithm())
			if err != nil {
				t.Fatal(err)
			}
			if back.PublicKey() != k.PublicKey() || back.Algorithm() != k.Algorithm() {
				t.Errorf("round trip changed the key: %+v -> %+v", k.PublicKey(), back.PublicKey())
			}
		})
	}
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestParseTeeKeyPairPEMFormats(t *testing.T) {
	p256 := testKeyPair(t, testP256PEM, "")
	rsaKey := testKeyPair(t, testRSAPEM, "")
	sec1, err := x509.MarshalECPrivateKey(p256.ec)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := x509.MarshalPKCS1PrivateKey(rsaKey.rsa)

	ok := []struct {
		name, algorithm, wantAlg string
		pem                      []byte
		want                     TeePubKey
	}{
		{"SEC1", "", AlgECDHESA256KW, pemOf("EC PRIVATE KEY", sec1), p256.PublicKey()},
		{"SEC1 aa.toml name", KeyAlgorithmP256, AlgECDHESA256KW, pemOf("EC PRIVATE KEY", sec1), p256.PublicKey()},
		{"PKCS8 EC jwe alg", AlgECDHESA256KW, AlgECDHESA256KW, []byte(testP256PEM), p256.PublicKey()},
		{"PKCS1 default OAEP", "", AlgRSAOAEP256, pemOf("RSA PRIVATE KEY", pkcs1), rsaKey.PublicKey()},
		{"PKCS1 RSA1_5", AlgRSA15, AlgRSA15, pemOf("RSA PRIVATE KEY", pkcs1), TeePubKey{Kty: "RSA", Alg: AlgRSA15, N: rsaKey.PublicKey().N, E: "AQAB"}},
		{"PKCS8 RSA", AlgRSAOAEP256, AlgRSAOAEP256, []byte(testRSAPEM), rsaKey.PublicKey()},
	}
	for _, tt := range ok {
		k, err := ParseTeeKeyPairPEM(tt.pem, tt.algorithm)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if k.PublicKey() != tt.want || k.Algorithm() != tt.wantAlg {
			t.Errorf("%s: PublicKey() = %+v alg %q, want %+v alg %q", tt.name, k.PublicKey(), k.Algorithm(), tt.want, tt.wantAlg)
		}
	}

	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384DER, _ := x509.MarshalPKCS8PrivateKey(p384)
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	edDER, _ := x509.MarshalPKCS8PrivateKey(edKey)
	encrypted := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: pkcs1})

	bad := []struct {
		name, algorithm string
		pem             []byte
	}{
		{"not PEM", "", []byte("hello")},
		{"public key block", "", pemOf("PUBLIC KEY", []byte{1, 2, 3})},
		{"corrupt PKCS8", "", pemOf("PRIVATE KEY", []byte{0x30, 0x03, 1, 2, 3})},
		{"P-384", "", pemOf("PRIVATE KEY", p384DER)},
		{"RSA-1024", "", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsa1024))},
		{"Ed25519", "", pemOf("PRIVATE KEY", edDER)},
		{"encrypted PEM", "", encrypted},
		{"EC key with P-521 name", KeyAlgorithmP521, []byte(testP256PEM)},
		{"EC key with RSA alg", AlgRSAOAEP256, []byte(testP256PEM)},
		{"RSA key with EC alg", AlgECDHESA256KW, []byte(testRSAPEM)},
		{"RSA key with unknown alg", "RSA-OAEP", []byte(testRSAPEM)},
	}
	for _, tt := range bad {
		if _, err := ParseTeeKeyPairPEM(tt.pem, tt.algorithm); !errors.Is(err, ErrInvalidTeeKeyPair) {
			t.Errorf("%s: error = %v, want ErrInvalidTeeKeyPair", tt.name, err)
		}
	}
}

func TestCryptoPublicKeyValidation(t *testing.T) {
	keys := testKeys(t)
	p256, p521, rsaOAEP := keys["P-256"].PublicKey(), keys["P-521"].PublicKey(), keys["RSA-OAEP-256"].PublicKey()
	for name, k := range keys {
		if _, err := k.PublicKey().CryptoPublicKey(); err != nil {
			t.Errorf("%s: valid key rejected: %v", name, err)
		}
	}

	b64 := base64.RawURLEncoding.EncodeToString
	modify := func(k TeePubKey, f func(*TeePubKey)) TeePubKey { f(&k); return k }
	smallRSA, _ := rsa.GenerateKey(rand.Reader, 1024)
	evenN := new(big.Int).Lsh(big.NewInt(1), 2047)

	bad := map[string]TeePubKey{
		"no kty":              modify(p256, func(k *TeePubKey) { k.Kty = "" }),
		"kty oct":             modify(p256, func(k *TeePubKey) { k.Kty = "oct" }),
		"kty lowercase":       modify(p256, func(k *TeePubKey) { k.Kty = "ec" }),
		"EC with RSA alg":     modify(p256, func(k *TeePubKey) { k.Alg = AlgRSAOAEP256 }),
		"EC with ECDH-ES":     modify(p256, func(k *TeePubKey) { k.Alg = "ECDH-ES" }),
		"EC without alg":      modify(p256, func(k *TeePubKey) { k.Alg = "" }),
		"P-384":               modify(p256, func(k *TeePubKey) { k.Crv = "P-384" }),
		"P-256 with P-521 xy": modify(p521, func(k *TeePubKey) { k.Crv = "P-256" }),
		"P-521 with P-256 xy": modify(p256, func(k *TeePubKey) { k.Crv = "P-521" }),
		"x 31 bytes":          modify(p256, func(k *TeePubKey) { k.X = b64(make([]byte, 31)) }),
		"x 33 bytes":          modify(p256, func(k *TeePubKey) { k.X = b64(append([]byte{0}, mustB64(t, k.X)...)) }),
		"P-521 x 65 bytes":    modify(p521, func(k *TeePubKey) { k.X = b64(mustB64(t, k.X)[1:]) }),
		"x padded":            modify(p256, func(k *TeePubKey) { k.X += "=" }),
		"x std base64":        modify(p256, func(k *TeePubKey) { k.X = strings.NewReplacer("-", "+", "_", "/").Replace(k.X) + "+" }),
		"x with newline":      modify(p256, func(k *TeePubKey) { k.X = k.X[:10] + "\n" + k.X[10:] }),
		"y empty":             modify(p256, func(k *TeePubKey) { k.Y = "" }),
		"point not on curve":  modify(p256, func(k *TeePubKey) { k.Y = k.X }),
		"point at infinity":   modify(p256, func(k *TeePubKey) { k.X, k.Y = b64(make([]byte, 32)), b64(make([]byte, 32)) }),
		"RSA with EC alg":     modify(rsaOAEP, func(k *TeePubKey) { k.Alg = AlgECDHESA256KW }),
		"RSA-OAEP (SHA-1)":    modify(rsaOAEP, func(k *TeePubKey) { k.Alg = "RSA-OAEP" }),
		"RSA 1024 bits":       modify(rsaOAEP, func(k *TeePubKey) { k.N = b64(smallRSA.N.Bytes()) }),
		"RSA even modulus":    modify(rsaOAEP, func(k *TeePubKey) { k.N = b64(evenN.Bytes()) }),
		"RSA 8200 bits":       modify(rsaOAEP, func(k *TeePubKey) { k.N = b64(append([]byte{1}, make([]byte, 1024)...)) }),
		"RSA e=1":             modify(rsaOAEP, func(k *TeePubKey) { k.E = b64([]byte{1}) }),
		"RSA e even":          modify(rsaOAEP, func(k *TeePubKey) { k.E = b64([]byte{1, 0, 0}) }),
		"RSA e=2^32+1":        modify(rsaOAEP, func(k *TeePubKey) { k.E = b64([]byte{1, 0, 0, 0, 1}) }),
		"RSA e empty":         modify(rsaOAEP, func(k *TeePubKey) { k.E = "" }),
		"RSA n not base64url": modify(rsaOAEP, func(k *TeePubKey) { k.N = "!" + k.N }),
		"RSA e bad length":    modify(rsaOAEP, func(k *TeePubKey) { k.E = "AQABA" }),
		"x trailing bits":     modify(p256, func(k *TeePubKey) { k.X = setTrailingBit(k.X) }),
	}
	for name, k := range bad {
		if pub, err := k.CryptoPublicKey(); !errors.Is(err, ErrInvalidTeePubKey) {
			t.Errorf("%s: CryptoPublicKey = %T, %v; want ErrInvalidTeePubKey", name, pub, err)
		}
	}

	// Leading zero bytes in n are tolerated (Rust's BigUint reads them).
	padded := modify(rsaOAEP, func(k *TeePubKey) { k.N = b64(append([]byte{0}, mustB64(t, k.N)...)) })
	if _, err := padded.CryptoPublicKey(); err != nil {
		t.Errorf("n with a leading zero byte rejected: %v", err)
	}
}

func mustB64(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// setTrailingBit sets an unused low bit of the last base64url character:
// the same bytes in a non-canonical encoding that Rust's decoder rejects.
func setTrailingBit(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, s[len(s)-1])
	return s[:len(s)-1] + string(alphabet[last|1])
}
