package kbs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"testing"
	"unicode/utf8"

	jose "github.com/go-jose/go-jose/v4"
)

func FuzzAttestationDecode(f *testing.F) {
	for _, k := range testKeys(f) {
		body, err := json.Marshal(Attestation{
			InitData:    &InitData{Format: "toml", Body: "algorithm = \"sha384\""},
			RuntimeData: RuntimeData{Nonce: "bm9uY2U=", TeePubKey: k.PublicKey()},
			TeeEvidence: CompositeEvidence{
				PrimaryEvidence:    json.RawMessage(`{"svn":"1","report_data":"cmQ="}`),
				AdditionalEvidence: `{"sampledevice":{"svn":"2"},"nvidia":[1,2]}`,
			},
		})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	f.Add([]byte(`{"init-data":null,"runtime-data":{"nonce":"","tee-pubkey":{"kty":"EC","crv":"P-256","alg":"ECDH-ES+A256KW","x":"","y":""}},"tee-evidence":{"primary_evidence":null,"additional_evidence":""}}`))
	f.Add([]byte(`{"runtime-data":{"tee-pubkey":{"kty":"RSA","alg":"RSA1_5","n":"AQ","e":"AQAB"}},"tee-evidence":{"additional_evidence":"{\"tpm\":1,\"tpm\":2}"}}`))
	f.Add([]byte(`{"tee-evidence":{"additional_evidence":"[\"<\u2028>\"]"}}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		var att Attestation
		if err := json.Unmarshal(data, &att); err != nil {
			return
		}
		key := att.RuntimeData.TeePubKey
		if pub, err := key.CryptoPublicKey(); err == nil {
			switch pub.(type) {
			case *ecdsa.PublicKey:
				if key.Kty != "EC" {
					t.Fatalf("kty %q accepted as an EC key", key.Kty)
				}
			case *rsa.PublicKey:
				if key.Kty != "RSA" {
					t.Fatalf("kty %q accepted as an RSA key", key.Kty)
				}
			default:
				t.Fatalf("unexpected key type %T", pub)
			}
		}
		if devices, err := ParseAdditionalEvidence(att.TeeEvidence.AdditionalEvidence); err == nil {
			for tee, evidence := range devices {
				if !tee.Valid() || !json.Valid(evidence) {
					t.Fatalf("accepted device %q with evidence %q", tee, evidence)
				}
			}
		}
		// Every decoded Attestation can be bound: its strings are valid UTF-8.
		rd := PrimaryRuntimeData(att.RuntimeData.Nonce, key, att.TeeEvidence.AdditionalEvidence)
		if _, err := RuntimeDataDigest(HashForTee(TeeSnp), rd); err != nil {
			t.Fatalf("RuntimeDataDigest of a decoded attestation: %v", err)
		}
	})
}

func FuzzDecrypt(f *testing.F) {
	keys := testKeys(f)
	for _, k := range keys {
		resp, err := Encrypt(k.PublicKey(), []byte("seed"))
		if err != nil {
			f.Fatal(err)
		}
		body, err := json.Marshal(resp)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
		enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: joseAlgs[k.Algorithm()], Key: publicKeyOf(k)}, nil)
		if err != nil {
			f.Fatal(err)
		}
		obj, err := enc.EncryptWithAuthData([]byte("seed"), []byte("aad"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(obj.FullSerialize()))
	}
	f.Add([]byte(`{"protected":"eyJhbGciOiJmYWtlYWxnIiwiZW5jIjoiZmFrZWVuYyJ9","encrypted_key":"","iv":"","ciphertext":"","tag":""}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		var resp Response
		if err := json.Unmarshal(data, &resp); err != nil {
			return
		}
		opened := 0
		for _, k := range keys {
			if _, err := k.Decrypt(&resp); err == nil {
				opened++
			}
		}
		// A JWE names one algorithm, and each of our keys accepts only its own.
		if opened > 1 {
			t.Fatalf("one JWE opened by %d keys", opened)
		}
	})
}

func FuzzCanonicalize(f *testing.F) {
	for _, seed := range []string{
		`{"b":1,"a":"test","c":{"d":"e"}}`,
		`{"\ufffd":1,"😀":2,"<&>":[1e21,0.1,-0,null,true]}`,
		`"\u2028\u0000\/"`,
		`{"a":1,"a":2}`,
		`[1.7976931348623157e308, 5e-324, 123456789012345678901234567890]`,
		`"\ud800"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Canonicalize(json.RawMessage(data))
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("Canonicalize(%q) = %q, not JSON", data, out)
		}
		again, err := Canonicalize(json.RawMessage(out))
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", data, out, again, err)
		}
		// The same document decoded into Go values canonicalises identically.
		var v any
		if !utf8.Valid(data) || json.Unmarshal(data, &v) != nil {
			return
		}
		viaValue, err := Canonicalize(v)
		if err != nil || !bytes.Equal(viaValue, out) {
			t.Fatalf("Canonicalize(%q): raw %q, decoded %q, %v", data, out, viaValue, err)
		}
	})
}
