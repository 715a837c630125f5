package kbs

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/gowebpki/jcs"
)

// viaJCS is Canonicalize's general path: encoding/json, then jcs.Transform.
func viaJCS(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	out, err := jcs.Transform(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCanonicalFastPathMatchesJCS(t *testing.T) {
	ec := TeePubKey{Kty: "EC", Alg: "ECDH-ES+A256KW", Crv: "P-256", X: "x-coord_-", Y: "y"}
	rsa := TeePubKey{Kty: "RSA", Alg: "RSA-OAEP-256", N: "modulus", E: "AQAB"}
	cases := map[string]any{
		"primary runtime data": PrimaryRuntimeData("bm9uY2U=", ec, ""),
		"device runtime data":  DeviceRuntimeData("bm9uY2U=", rsa),
		"empty key fields":     map[string]any{"k": TeePubKey{}},
		"escapes":              map[string]any{"q\"\\": "\x00\x1f\b\f\n\r\t\"\\/<>&\u2028\u00e9😀"},
		"nested and empty":     map[string]any{"b": map[string]any{}, "a": map[string]any{"z": "", "y": "1"}},
		"plain string":         "just a string",
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			fast, ok := appendCanonical(nil, v)
			if !ok {
				t.Fatal("fast path refused a value it handles")
			}
			if want := viaJCS(t, v); !bytes.Equal(fast, want) {
				t.Errorf("fast path %s\n        jcs %s", fast, want)
			}
		})
	}
}

// Values the fast path cannot order or encode exactly as encoding/json
// does are left to the general path, which Canonicalize then takes.
func TestCanonicalFastPathDeclines(t *testing.T) {
	for name, v := range map[string]any{
		"non-ASCII key":  map[string]any{"\ufffd": "a", "😀": "b"},
		"invalid UTF-8":  map[string]any{"k": "\xff"},
		"number":         map[string]any{"k": 1},
		"typed map":      map[string]string{"k": "v"},
		"raw JSON":       json.RawMessage(`{"k":"v"}`),
		"key in a slice": []any{"a"},
	} {
		if _, ok := appendCanonical(nil, v); ok {
			t.Errorf("%s: fast path took it", name)
		}
		got, err := Canonicalize(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := viaJCS(t, v); !bytes.Equal(got, want) {
			t.Errorf("%s: Canonicalize %s, want %s", name, got, want)
		}
	}
}

func FuzzCanonicalFastPath(f *testing.F) {
	f.Add("bm9uY2U=", "P-256", "x", "", "additional-evidence", "")
	f.Add("\"\\\x00", "\u2028", "😀", "\xff", "é", "\x7f")
	f.Fuzz(func(t *testing.T, nonce, crv, x, n, key, value string) {
		v := map[string]any{
			"nonce":      nonce,
			"tee-pubkey": TeePubKey{Kty: "EC", Alg: "a", Crv: crv, X: x, N: n},
			key:          value,
		}
		fast, ok := appendCanonical(nil, v)
		if !ok {
			return
		}
		if want := viaJCS(t, v); !bytes.Equal(fast, want) {
			t.Fatalf("fast path %q, jcs %q", fast, want)
		}
	})
}
