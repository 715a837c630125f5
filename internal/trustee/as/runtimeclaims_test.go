package as

import (
	"reflect"
	"testing"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// decodedCanonical is what runtimeDataClaims must equal: JCS(v) decoded.
func decodedCanonical(t *testing.T, v any) any {
	t.Helper()
	canonical, err := kbs.Canonicalize(v)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := decodeJSON(canonical)
	if err != nil {
		t.Fatal(err)
	}
	return claims
}

func TestRuntimeDataClaimsEqualDecodedCanonicalJSON(t *testing.T) {
	ec := kbs.TeePubKey{Kty: "EC", Alg: "ES256", Crv: "P-256", X: "eA", Y: "eQ"}
	rsa := kbs.TeePubKey{Kty: "RSA", Alg: "RSA-OAEP", N: "bg", E: "AQAB"}
	for name, v := range map[string]any{
		"primary":        kbs.PrimaryRuntimeData("n0nce", ec, `{"sampledevice":{"svn":"2"}}`),
		"device":         kbs.DeviceRuntimeData("n0nce", rsa),
		"empty key":      map[string]any{"tee-pubkey": kbs.TeePubKey{}},
		"escapes":        map[string]any{"a\"\\\n\u2028<>&": "\x01\t\u00e9\U0001F600"},
		"nested":         map[string]any{"a": map[string]any{"b": map[string]any{}}},
		"string":         "plain",
		"non-ASCII keys": map[string]any{"é": "ü", "z": "a"},
	} {
		got, ok := runtimeDataClaims(v)
		if !ok {
			t.Fatalf("%s: not taken directly", name)
		}
		if want := decodedCanonical(t, v); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v, want %#v", name, got, want)
		}
	}
}

func TestRuntimeDataClaimsLeaveOtherShapesToTheDecoder(t *testing.T) {
	for name, v := range map[string]any{
		"invalid UTF-8 value": map[string]any{"a": "\xff"},
		"invalid UTF-8 key":   map[string]any{"\xff": "a"},
		"invalid UTF-8 key member": map[string]any{
			"tee-pubkey": kbs.TeePubKey{Kty: "EC", Alg: "\xff"},
		},
		"number":  map[string]any{"a": 1},
		"nil":     map[string]any{"a": nil},
		"pointer": &kbs.TeePubKey{},
		"slice":   []any{"a"},
	} {
		if _, ok := runtimeDataClaims(v); ok {
			t.Errorf("%s: taken directly", name)
		}
	}
}

// FuzzRuntimeDataClaims: whenever the direct path answers, it equals the
// decoded canonical JSON.
func FuzzRuntimeDataClaims(f *testing.F) {
	f.Add("n0nce", "EC", "ES256", "P-256", "eA", "", "extra")
	f.Add("\xff", "RSA", "\u2028", "", "", "AQAB", "<&>")
	f.Fuzz(func(t *testing.T, nonce, kty, alg, crv, x, e, additional string) {
		key := kbs.TeePubKey{Kty: kty, Alg: alg, Crv: crv, X: x, E: e}
		v := map[string]any{"nonce": nonce, "tee-pubkey": key, additional: map[string]any{nonce: additional}}
		got, ok := runtimeDataClaims(v)
		if !ok {
			return
		}
		if want := decodedCanonical(t, v); !reflect.DeepEqual(got, want) {
			t.Fatalf("got %#v, want %#v", got, want)
		}
	})
}
