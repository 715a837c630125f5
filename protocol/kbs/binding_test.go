package kbs

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func mustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Upstream vector: attestation-service test parse_runtimedata_json_binding.
func TestCanonicalizeUpstreamVector(t *testing.T) {
	const want = `{"a":"test","b":1,"c":{"d":"e"}}`
	wantDigest := mustHex(t, "e71ce8e70d814ba6639c3612ebee0ff1f76f650f8dbb5e47157e0f3f525cd22c4597480a186427c813ca941da78870c3")

	var decoded any
	if err := json.Unmarshal([]byte(`{"b":1,"a":"test","c":{"d":"e"}}`), &decoded); err != nil {
		t.Fatal(err)
	}
	inputs := map[string]any{
		"raw JSON":     json.RawMessage(`{"b":1, "a":"test", "c":{"d":"e"}}`),
		"decoded JSON": decoded,
		"Go map":       map[string]any{"b": 1, "a": "test", "c": map[string]string{"d": "e"}},
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			got, err := Canonicalize(in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Errorf("Canonicalize = %s, want %s", got, want)
			}
			digest, err := RuntimeDataDigest(SHA384, in)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(digest, wantDigest) {
				t.Errorf("RuntimeDataDigest = %x, want %x", digest, wantDigest)
			}
		})
	}
}

func TestCanonicalizeDoesNotEscapeHTML(t *testing.T) {
	got, err := Canonicalize(map[string]string{"k": "<a href='x'>&</a>"})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(got, []byte(`\u003c`)) || bytes.Contains(got, []byte(`\u0026`)) {
		t.Errorf("Canonicalize HTML-escaped its output: %s", got)
	}
	if want := `{"k":"<a href='x'>&</a>"}`; string(got) != want {
		t.Errorf("Canonicalize = %s, want %s", got, want)
	}
}

func TestCanonicalizeRFC8785Rules(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// U+1F600 sorts before U+FFFD in UTF-16 code units, after it in UTF-8.
		{"UTF-16 key order", `{"\ufffd":1,"😀":2}`, `{"😀":2,"` + "\ufffd" + `":1}`},
		{"ES6 numbers", `[1.0, 1e21, 0.000001, -0, 1E-7]`, `[1,1e+21,0.000001,0,1e-7]`},
		{"minimal escapes", `"\u0041\/\u2028\t"`, "\"A/\u2028\\t\""},
		{"nested objects", `{"z":{"b":[{"y":1,"x":2}],"a":null}}`, `{"z":{"a":null,"b":[{"x":2,"y":1}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonicalize(json.RawMessage(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Canonicalize(%s) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestCanonicalizeRejectsInvalidJSON(t *testing.T) {
	for _, in := range []string{`{`, `{"a":1,"a":2}`, `[1,]`} {
		if got, err := Canonicalize(json.RawMessage(in)); err == nil {
			t.Errorf("Canonicalize(%s) = %s, want error", in, got)
		}
	}
	if _, err := Canonicalize(func() {}); err == nil {
		t.Error("Canonicalize(func) succeeded, want error")
	}
}

var vectorKey = TeePubKey{Kty: "EC", Crv: "P-256", Alg: AlgECDHESA256KW, X: "AAAA", Y: "BBBB"}

// Illustrative vector of trustee.md §1.5 (computed, not upstream).
func TestPrimaryRuntimeDataVector(t *testing.T) {
	rd := PrimaryRuntimeData("bm9uY2U=", vectorKey, "")
	got, err := Canonicalize(rd)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"additional-evidence":"","nonce":"bm9uY2U=","tee-pubkey":{"alg":"ECDH-ES+A256KW","crv":"P-256","kty":"EC","x":"AAAA","y":"BBBB"}}`
	if string(got) != want {
		t.Errorf("canonical primary runtime data = %s, want %s", got, want)
	}
	digest, err := RuntimeDataDigest(SHA384, rd)
	if err != nil {
		t.Fatal(err)
	}
	wantDigest := mustHex(t, "d20490d30e5f16cba693abc1ca3c31ed977d2722d0adf01a980972d16913dc38f103c1f12abf477df0523af2b12e4b43")
	if !bytes.Equal(digest, wantDigest) {
		t.Errorf("primary digest = %x, want %x", digest, wantDigest)
	}
}

func TestDeviceRuntimeData(t *testing.T) {
	got, err := Canonicalize(DeviceRuntimeData("bm9uY2U=", vectorKey))
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"nonce":"bm9uY2U=","tee-pubkey":{"alg":"ECDH-ES+A256KW","crv":"P-256","kty":"EC","x":"AAAA","y":"BBBB"}}`
	if string(got) != want {
		t.Errorf("canonical device runtime data = %s, want %s", got, want)
	}
}

func TestPrimaryRuntimeDataEscapesAdditionalEvidence(t *testing.T) {
	ae := `{"nvidia":{"report":"<x>&"}}`
	got, err := Canonicalize(PrimaryRuntimeData("n", vectorKey, ae))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(got, []byte(`{"additional-evidence":"{\"nvidia\":{\"report\":\"<x>&\"}}","nonce":"n",`)) {
		t.Errorf("canonical primary runtime data = %s", got)
	}
}

// Trustee hashes the key it parsed into kbs-types' enum, which keeps only
// the members of the key's kty.
func TestRuntimeDataKeepsOnlyMembersOfTheKeyType(t *testing.T) {
	rsaKey := TeePubKey{Kty: "RSA", Alg: AlgRSAOAEP256, N: "nnnn", E: "AQAB", Crv: "P-256", X: "xx", Y: "yy"}
	ecKey := vectorKey
	ecKey.N, ecKey.E = "nnnn", "AQAB"
	tests := []struct {
		key  TeePubKey
		want string
	}{
		{rsaKey, `{"nonce":"n","tee-pubkey":{"alg":"RSA-OAEP-256","e":"AQAB","kty":"RSA","n":"nnnn"}}`},
		{ecKey, `{"nonce":"n","tee-pubkey":{"alg":"ECDH-ES+A256KW","crv":"P-256","kty":"EC","x":"AAAA","y":"BBBB"}}`},
	}
	for _, tt := range tests {
		got, err := Canonicalize(DeviceRuntimeData("n", tt.key))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("canonical runtime data = %s, want %s", got, tt.want)
		}
	}
}

func TestHashAlgorithm(t *testing.T) {
	msg := []byte("runtime data")
	s256, s384, s512 := sha256.Sum256(msg), sha512.Sum384(msg), sha512.Sum512(msg)
	for name, want := range map[string][]byte{"sha256": s256[:], "sha384": s384[:], "sha512": s512[:]} {
		h, err := ParseHashAlgorithm(name)
		if err != nil {
			t.Fatalf("ParseHashAlgorithm(%q): %v", name, err)
		}
		got, err := h.Sum(msg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s.Sum = %x, want %x", h, got, want)
		}
	}
	for _, name := range []string{"SHA384", "Sha256", "sm3", "sha1", "", "sha-384"} {
		if _, err := ParseHashAlgorithm(name); !errors.Is(err, ErrUnsupportedHashAlgorithm) {
			t.Errorf("ParseHashAlgorithm(%q) error = %v, want ErrUnsupportedHashAlgorithm", name, err)
		}
		if _, err := HashAlgorithm(name).Sum(msg); !errors.Is(err, ErrUnsupportedHashAlgorithm) {
			t.Errorf("HashAlgorithm(%q).Sum error = %v, want ErrUnsupportedHashAlgorithm", name, err)
		}
	}
}

func TestHashForTee(t *testing.T) {
	for _, tee := range KnownTees {
		want := SHA384
		if tee == TeeSe {
			want = SHA512
		}
		if got := HashForTee(tee); got != want {
			t.Errorf("HashForTee(%q) = %q, want %q", tee, got, want)
		}
	}
}

func TestSelectedHashAlgorithm(t *testing.T) {
	tests := []struct {
		extraParams string
		want        HashAlgorithm
		usable      bool
	}{
		{``, SHA384, true},
		{`""`, SHA384, true},
		{`null`, SHA384, true},
		{`{}`, SHA384, true},
		{`{"supported-hash-algorithms":["sha256","sha384","sha512","sm3"]}`, SHA384, true},
		{`{"selected-hash-algorithm":"sha512"}`, SHA512, true},
		{`{"selected-hash-algorithm":"sha256"}`, SHA256, true},
		{` {"selected-hash-algorithm":"SHA512"}`, SHA512, true}, // guest-components lowercases
		{`{"selected-hash-algorithm":"sm3"}`, "sm3", false},
		{`{"selected-hash-algorithm":5}`, "5", false},
		{`{"selected-hash-algorithm":null}`, "null", false},
		{`{"selected-hash-algorithm":`, "", false},
	}
	for _, tt := range tests {
		got := SelectedHashAlgorithm(json.RawMessage(tt.extraParams))
		if got != tt.want {
			t.Errorf("SelectedHashAlgorithm(%s) = %q, want %q", tt.extraParams, got, tt.want)
		}
		if _, err := got.Sum(nil); (err == nil) != tt.usable {
			t.Errorf("SelectedHashAlgorithm(%s).Sum error = %v, want usable=%v", tt.extraParams, err, tt.usable)
		}
	}
}

func TestRegularize(t *testing.T) {
	digest := bytes.Repeat([]byte{0xab}, 48)
	padded := Regularize(digest, 64)
	if len(padded) != 64 || !bytes.Equal(padded[:48], digest) || !bytes.Equal(padded[48:], make([]byte, 16)) {
		t.Errorf("Regularize(48 bytes, 64) = %x", padded)
	}
	if got := Regularize(digest, 32); !bytes.Equal(got, digest[:32]) {
		t.Errorf("Regularize(48 bytes, 32) = %x", got)
	}
	exact := Regularize(digest, 48)
	exact[0] = 0
	if digest[0] != 0xab {
		t.Error("Regularize aliases its input")
	}
	if got := Regularize(digest, -1); len(got) != 0 {
		t.Errorf("Regularize(_, -1) = %x, want empty", got)
	}
}

func TestParseAdditionalEvidence(t *testing.T) {
	got, err := ParseAdditionalEvidence("")
	if err != nil || got != nil {
		t.Errorf(`ParseAdditionalEvidence("") = %v, %v; want nil, nil`, got, err)
	}

	got, err = ParseAdditionalEvidence(`{"nvidia": {"evidence_list":[1,2]}, "sampledevice":"e30=", "tpm": null}`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[Tee]string{TeeNvidia: `{"evidence_list":[1,2]}`, TeeSampleDevice: `"e30="`, TeeTpm: `null`}
	if len(got) != len(want) {
		t.Fatalf("ParseAdditionalEvidence = %v, want %d entries", got, len(want))
	}
	for tee, w := range want {
		if string(got[tee]) != w {
			t.Errorf("evidence of %s = %s, want %s", tee, got[tee], w)
		}
	}

	if got, err := ParseAdditionalEvidence(`{}`); err != nil || len(got) != 0 {
		t.Errorf("ParseAdditionalEvidence({}) = %v, %v; want empty map", got, err)
	}

	bad := map[string]string{
		"unknown TEE":      `{"hygon-dcu":{}}`,
		"uppercase TEE":    `{"NVIDIA":{}}`,
		"duplicate TEE":    `{"nvidia":{},"nvidia":{}}`,
		"array":            `[{"nvidia":{}}]`,
		"string":           `"nvidia"`,
		"missing value":    `{"nvidia":}`,
		"unterminated":     `{"nvidia":{}`,
		"trailing garbage": `{"nvidia":{}} x`,
		"second object":    `{"nvidia":{}}{}`,
		"whitespace only":  ` `,
		"bad value":        `{"nvidia":[1,}`,
	}
	for name, in := range bad {
		if got, err := ParseAdditionalEvidence(in); !errors.Is(err, ErrInvalidAdditionalEvidence) {
			t.Errorf("%s: ParseAdditionalEvidence(%s) = %v, %v; want ErrInvalidAdditionalEvidence", name, in, got, err)
		}
	}
}

func TestNewNonce(t *testing.T) {
	a, err := NewNonce()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewNonce()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 44 || !strings.HasSuffix(a, "=") {
		t.Errorf("nonce %q is not padded base64 of 32 bytes", a)
	}
	raw, err := base64.StdEncoding.DecodeString(a)
	if err != nil || len(raw) != 32 {
		t.Errorf("nonce %q decodes to %d bytes, %v", a, len(raw), err)
	}
	if a == b {
		t.Error("two nonces are equal")
	}
}
