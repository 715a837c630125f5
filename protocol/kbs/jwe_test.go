package kbs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	josecipher "github.com/go-jose/go-jose/v4/cipher"
)

var b64 = base64.RawURLEncoding

// kbs-types test: ProtectedHeader{alg:"fakealg",enc:"fakeenc"}.generate_aad().
func TestProtectedHeaderAADVector(t *testing.T) {
	const want = "eyJhbGciOiJmYWtlYWxnIiwiZW5jIjoiZmFrZWVuYyJ9"
	if got := b64.EncodeToString(protectedHeader{alg: "fakealg", enc: "fakeenc"}.appendJSON(nil)); got != want {
		t.Errorf("protected = %s, want %s", got, want)
	}
	// The Rust-style re-serialisation puts alg and enc first whatever the
	// received order, and yields the same vector.
	if got := b64.EncodeToString(rustStyleHeader(t, []byte(`{"enc":"fakeenc", "alg":"fakealg"}`))); got != want {
		t.Errorf("Rust-style AAD = %s, want %s", got, want)
	}
}

// rustStyleHeader re-serialises a protected header the way guest-components
// computes the AAD: kbs-types ProtectedHeader {alg, enc, #[flatten] other}
// through serde_json with preserve_order, i.e. alg, enc, then the other
// members in received order, compact.
func rustStyleHeader(tb testing.TB, header []byte) []byte {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(header))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		tb.Fatalf("header %s is not an object", header)
	}
	members := map[string][]byte{}
	var others []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			tb.Fatal(err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			tb.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			tb.Fatal(err)
		}
		name := tok.(string)
		members[name] = compact.Bytes()
		if name != "alg" && name != "enc" {
			others = append(others, name)
		}
	}
	var out bytes.Buffer
	out.WriteByte('{')
	for i, name := range append([]string{"alg", "enc"}, others...) {
		if i > 0 {
			out.WriteByte(',')
		}
		fmt.Fprintf(&out, "%q:%s", name, members[name])
	}
	out.WriteByte('}')
	return out.Bytes()
}

func TestEncryptProtectedHeader(t *testing.T) {
	for name, k := range testKeys(t) {
		t.Run(name, func(t *testing.T) {
			resp, err := Encrypt(k.PublicKey(), []byte("secret"))
			if err != nil {
				t.Fatal(err)
			}
			header, err := b64.DecodeString(resp.Protected)
			if err != nil {
				t.Fatal(err)
			}
			var want string
			switch k.Algorithm() {
			case AlgECDHESA256KW:
				var h struct {
					Epk struct{ X, Y string }
				}
				if err := json.Unmarshal(header, &h); err != nil {
					t.Fatal(err)
				}
				want = fmt.Sprintf(`{"alg":"ECDH-ES+A256KW","enc":"A256GCM","epk":{"crv":"%s","kty":"EC","x":"%s","y":"%s"}}`, name, h.Epk.X, h.Epk.Y)
			default:
				want = fmt.Sprintf(`{"alg":"%s","enc":"A256GCM"}`, k.Algorithm())
			}
			if string(header) != want {
				t.Errorf("protected header = %s, want %s", header, want)
			}
			if got := rustStyleHeader(t, header); !bytes.Equal(got, header) {
				t.Errorf("Rust-style re-serialisation %s differs from the emitted header %s", got, header)
			}
		})
	}
}

func TestEncryptResponseShape(t *testing.T) {
	wantKeySize := map[string]int{"P-256": 40, "P-521": 40, "RSA-OAEP-256": 256, "RSA1_5": 256}
	for name, k := range testKeys(t) {
		resp, err := Encrypt(k.PublicKey(), []byte("0123456789"))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		var members map[string]string
		if err := json.Unmarshal(raw, &members); err != nil {
			t.Fatal(err)
		}
		if _, ok := members["aad"]; ok || len(members) != 5 {
			t.Errorf("%s: response members %v, want protected, encrypted_key, iv, ciphertext, tag", name, raw)
		}
		for member, want := range map[string]int{"encrypted_key": wantKeySize[name], "iv": 12, "ciphertext": 10, "tag": 16} {
			if got := len(mustB64(t, members[member])); got != want {
				t.Errorf("%s: %s is %d bytes, want %d", name, member, got, want)
			}
		}
	}
}

func TestEncryptDecryptRoundTrip(t *testing.T) {
	for name, k := range testKeys(t) {
		for _, size := range []int{0, 1, 4096} {
			plaintext := bytes.Repeat([]byte{0x5a}, size)
			resp, err := Encrypt(k.PublicKey(), plaintext)
			if err != nil {
				t.Fatalf("%s: Encrypt: %v", name, err)
			}
			wire, err := json.Marshal(resp)
			if err != nil {
				t.Fatal(err)
			}
			var received Response
			if err := json.Unmarshal(wire, &received); err != nil {
				t.Fatal(err)
			}
			got, err := k.Decrypt(&received)
			if err != nil {
				t.Fatalf("%s: Decrypt: %v", name, err)
			}
			if !bytes.Equal(got, plaintext) {
				t.Errorf("%s: Decrypt = %x, want %x", name, got, plaintext)
			}
		}
	}
}

// deriveKEK must be byte for byte go-jose's ECDH-ES key derivation, with
// and without apu/apv, on both curves.
func TestDeriveKEKMatchesGoJose(t *testing.T) {
	for _, c := range ecCurves {
		for _, party := range [][]byte{nil, {}, []byte("Alice"), bytes.Repeat([]byte{0xb0}, 300)} {
			priv, err := ecdsa.GenerateKey(c.curve, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			peer, err := ecdsa.GenerateKey(c.curve, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			want := josecipher.DeriveECDHES(AlgECDHESA256KW, party, []byte("Bob"), priv, &peer.PublicKey, cekSize)
			privECDH, err := priv.ECDH()
			if err != nil {
				t.Fatal(err)
			}
			peerECDH, err := peer.PublicKey.ECDH()
			if err != nil {
				t.Fatal(err)
			}
			z, err := privECDH.ECDH(peerECDH)
			if err != nil {
				t.Fatal(err)
			}
			if got := deriveKEK(z, party, []byte("Bob")); !bytes.Equal(got[:], want) {
				t.Errorf("%s, apu %q: deriveKEK = %x, go-jose %x", c.name, party, got, want)
			}
		}
	}
}

func TestEncryptRejectsInvalidKey(t *testing.T) {
	key := testKeyPair(t, testP256PEM, "").PublicKey()
	key.Crv = "P-384"
	if _, err := Encrypt(key, []byte("x")); !errors.Is(err, ErrInvalidTeePubKey) {
		t.Errorf("Encrypt to a P-384 key: %v, want ErrInvalidTeePubKey", err)
	}
}

var joseAlgs = map[string]jose.KeyAlgorithm{
	AlgECDHESA256KW: jose.ECDH_ES_A256KW,
	AlgRSAOAEP256:   jose.RSA_OAEP_256,
	AlgRSA15:        jose.RSA1_5,
}

// Our server side against an independent JWE implementation.
func TestEncryptInteropGoJose(t *testing.T) {
	for name, k := range testKeys(t) {
		t.Run(name, func(t *testing.T) {
			plaintext := []byte(`{"resource":"top secret"}`)
			resp, err := Encrypt(k.PublicKey(), plaintext)
			if err != nil {
				t.Fatal(err)
			}
			wire, err := json.Marshal(resp)
			if err != nil {
				t.Fatal(err)
			}
			obj, err := jose.ParseEncryptedJSON(string(wire), []jose.KeyAlgorithm{joseAlgs[k.Algorithm()]}, []jose.ContentEncryption{jose.A256GCM})
			if err != nil {
				t.Fatalf("go-jose cannot parse our JWE: %v", err)
			}
			got, err := obj.Decrypt(publicKeyOwner(k))
			if err != nil {
				t.Fatalf("go-jose cannot decrypt our JWE: %v", err)
			}
			if !bytes.Equal(got, plaintext) {
				t.Errorf("go-jose decrypted %q, want %q", got, plaintext)
			}
		})
	}
}

// Our client side against an independent JWE implementation.
func TestDecryptInteropGoJose(t *testing.T) {
	for name, k := range testKeys(t) {
		t.Run(name, func(t *testing.T) {
			enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: joseAlgs[k.Algorithm()], Key: publicKeyOf(k)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			plaintext := []byte("from go-jose")
			for _, aad := range [][]byte{nil, []byte("extra authenticated data")} {
				obj, err := enc.EncryptWithAuthData(plaintext, aad)
				if err != nil {
					t.Fatal(err)
				}
				var resp Response
				if err := json.Unmarshal([]byte(obj.FullSerialize()), &resp); err != nil {
					t.Fatal(err)
				}
				if (resp.AAD != "") != (aad != nil) {
					t.Fatalf("go-jose aad member %q for aad %q", resp.AAD, aad)
				}
				got, err := k.Decrypt(&resp)
				if err != nil {
					t.Fatalf("Decrypt of go-jose JWE (aad %q): %v", aad, err)
				}
				if !bytes.Equal(got, plaintext) {
					t.Errorf("Decrypt = %q, want %q", got, plaintext)
				}
			}
		})
	}
}

func publicKeyOwner(k *TeeKeyPair) any {
	if k.rsa != nil {
		return k.rsa
	}
	return k.ec
}

// flipBit returns s, a base64url string, with one bit of its byte i changed.
func flipBit(tb testing.TB, s string, i int) string {
	tb.Helper()
	raw := mustB64(tb, s)
	raw[i%len(raw)] ^= 0x01
	return b64.EncodeToString(raw)
}

// withHeader re-encodes resp's protected header after f edits its members.
func withHeader(tb testing.TB, resp Response, f func(map[string]any)) Response {
	tb.Helper()
	var members map[string]any
	if err := json.Unmarshal(mustB64(tb, resp.Protected), &members); err != nil {
		tb.Fatal(err)
	}
	f(members)
	raw, err := json.Marshal(members)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Protected = b64.EncodeToString(raw)
	return resp
}

func TestDecryptRejectsTampering(t *testing.T) {
	keys := testKeys(t)
	p521Resp, err := Encrypt(keys["P-521"].PublicKey(), []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	var p521Header map[string]any
	if err := json.Unmarshal(mustB64(t, p521Resp.Protected), &p521Header); err != nil {
		t.Fatal(err)
	}

	for name, k := range keys {
		t.Run(name, func(t *testing.T) {
			good, err := Encrypt(k.PublicKey(), []byte("attack at dawn"))
			if err != nil {
				t.Fatal(err)
			}
			edit := func(f func(*Response)) Response { r := *good; f(&r); return r }
			cases := map[string]Response{
				"ciphertext bit":    edit(func(r *Response) { r.Ciphertext = flipBit(t, r.Ciphertext, 3) }),
				"ciphertext cut":    edit(func(r *Response) { r.Ciphertext = b64.EncodeToString(mustB64(t, r.Ciphertext)[1:]) }),
				"tag bit":           edit(func(r *Response) { r.Tag = flipBit(t, r.Tag, 15) }),
				"tag short":         edit(func(r *Response) { r.Tag = b64.EncodeToString(mustB64(t, r.Tag)[:12]) }),
				"iv bit":            edit(func(r *Response) { r.IV = flipBit(t, r.IV, 0) }),
				"iv 16 bytes":       edit(func(r *Response) { r.IV = b64.EncodeToString(make([]byte, 16)) }),
				"encrypted_key bit": edit(func(r *Response) { r.EncryptedKey = flipBit(t, r.EncryptedKey, 9) }),
				"encrypted_key cut": edit(func(r *Response) { r.EncryptedKey = b64.EncodeToString(mustB64(t, r.EncryptedKey)[8:]) }),
				"encrypted_key nil": edit(func(r *Response) { r.EncryptedKey = "" }),
				"aad added":         edit(func(r *Response) { r.AAD = "YWFk" }),
				"aad not base64url": edit(func(r *Response) { r.AAD = "a+d" }),
				"protected padded":  edit(func(r *Response) { r.Protected += "=" }),
				"protected garbage": edit(func(r *Response) { r.Protected = "e30" }),
				"protected array":   edit(func(r *Response) { r.Protected = b64.EncodeToString([]byte(`[]`)) }),
				"member added":      withHeader(t, *good, func(h map[string]any) { h["kid"] = "x" }),
				"enc A128GCM":       withHeader(t, *good, func(h map[string]any) { h["enc"] = "A128GCM" }),
				"enc missing":       withHeader(t, *good, func(h map[string]any) { delete(h, "enc") }),
				"enc not string":    withHeader(t, *good, func(h map[string]any) { h["enc"] = 1 }),
				"alg missing":       withHeader(t, *good, func(h map[string]any) { delete(h, "alg") }),
				"alg uppercase key": withHeader(t, *good, func(h map[string]any) { h["ALG"] = h["alg"]; delete(h, "alg") }),
				"zip":               withHeader(t, *good, func(h map[string]any) { h["zip"] = "DEF" }),
				"crit":              withHeader(t, *good, func(h map[string]any) { h["crit"] = []string{"exp"} }),
			}
			if k.Algorithm() == AlgECDHESA256KW {
				epk := func(f func(map[string]any)) Response {
					return withHeader(t, *good, func(h map[string]any) { f(h["epk"].(map[string]any)) })
				}
				cases["epk missing"] = withHeader(t, *good, func(h map[string]any) { delete(h, "epk") })
				cases["epk not object"] = withHeader(t, *good, func(h map[string]any) { h["epk"] = "x" })
				cases["epk wrong kty"] = epk(func(e map[string]any) { e["kty"] = "OKP" })
				cases["epk wrong crv name"] = epk(func(e map[string]any) { e["crv"] = "P-384" })
				cases["epk off curve"] = epk(func(e map[string]any) { e["y"] = e["x"] })
				cases["epk y missing"] = epk(func(e map[string]any) { delete(e, "y") })
				cases["apu added"] = withHeader(t, *good, func(h map[string]any) { h["apu"] = "YWxpY2U" })
				cases["apu not base64url"] = withHeader(t, *good, func(h map[string]any) { h["apu"] = "!" })
				other := "P-521"
				if name == "P-521" {
					other = "P-256"
				}
				otherResp, err := Encrypt(keys[other].PublicKey(), []byte("x"))
				if err != nil {
					t.Fatal(err)
				}
				var otherHeader map[string]any
				if err := json.Unmarshal(mustB64(t, otherResp.Protected), &otherHeader); err != nil {
					t.Fatal(err)
				}
				cases["epk on the other curve"] = withHeader(t, *good, func(h map[string]any) { h["epk"] = otherHeader["epk"] })
			} else {
				cases["epk on an RSA JWE"] = withHeader(t, *good, func(h map[string]any) { h["epk"] = p521Header["epk"] })
			}
			for tc, resp := range cases {
				got, err := k.Decrypt(&resp)
				if !errors.Is(err, ErrDecrypt) {
					t.Errorf("%s: Decrypt = %q, %v; want ErrDecrypt", tc, got, err)
				}
			}
		})
	}
}

func TestDecryptRejectsOtherKeysAndAlgorithms(t *testing.T) {
	keys := testKeys(t)
	for name, k := range keys {
		resp, err := Encrypt(k.PublicKey(), []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		// Includes the RSA1_5 <-> RSA-OAEP-256 pair: same RSA key, other padding.
		for other, wrong := range keys {
			if other == name {
				continue
			}
			if got, err := wrong.Decrypt(resp); !errors.Is(err, ErrDecrypt) {
				t.Errorf("%s JWE opened by the %s key: %q, %v", name, other, got, err)
			}
		}
	}
	for _, alg := range []string{KeyAlgorithmP256, KeyAlgorithmP521, KeyAlgorithmRSAOAEP256} {
		sender, err := GenerateTeeKeyPair(alg)
		if err != nil {
			t.Fatal(err)
		}
		stranger, err := GenerateTeeKeyPair(alg)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := Encrypt(sender.PublicKey(), []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := stranger.Decrypt(resp); !errors.Is(err, ErrDecrypt) {
			t.Errorf("%s JWE opened by another key of the same kind: %v", alg, err)
		}
	}
}

func TestDecryptNilInputs(t *testing.T) {
	k := testKeyPair(t, testP256PEM, "")
	if _, err := k.Decrypt(nil); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Decrypt(nil) = %v, want ErrDecrypt", err)
	}
	var none *TeeKeyPair
	if _, err := none.Decrypt(&Response{}); !errors.Is(err, ErrDecrypt) {
		t.Errorf("nil key Decrypt = %v, want ErrDecrypt", err)
	}
	if _, err := k.Decrypt(&Response{}); !errors.Is(err, ErrDecrypt) || !strings.Contains(err.Error(), "protected") {
		t.Errorf("Decrypt(empty) = %v, want an error about the protected header", err)
	}
}
