package token

import (
	"encoding/json"
	"errors"
	"testing"
)

func claimsFromJSON(t *testing.T, doc string) map[string]any {
	t.Helper()
	var claims map[string]any
	if err := json.Unmarshal([]byte(doc), &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func TestTeePubKeyPaths(t *testing.T) {
	ec := `{"kty":"EC","crv":"P-256","alg":"ECDH-ES+A256KW","x":"X","y":"Y"}`
	rsa := `{"kty":"RSA","alg":"RSA-OAEP-256","n":"N","e":"AQAB"}`
	cases := []struct {
		name  string
		doc   string
		extra []string
		want  string // X or N of the key found
	}{
		{"EAR", `{"submods":{"cpu0":{"ear.veraison.annotated-evidence":{"runtime_data_claims":{"tee-pubkey":` + ec + `}}}}}`, nil, "X"},
		{"ITA", `{"tdx":{"attester_runtime_data":{"tee-pubkey":` + rsa + `}}}`, nil, "N"},
		{"ITA vTPM", `{"tdx":{"attester_user_data":{"tee-pubkey":` + ec + `}}}`, nil, "X"},
		{"simple token", `{"customized_claims":{"runtime_data":{"tee-pubkey":` + ec + `}}}`, nil, "X"},
		{"top level", `{"tee-pubkey":` + rsa + `}`, nil, "N"},
		{"ITA before top level", `{"tee-pubkey":` + rsa + `,"tdx":{"attester_runtime_data":{"tee-pubkey":` + ec + `}}}`, nil, "X"},
		{"extra path first", `{"tee-pubkey":` + rsa + `,"my":[{"k/ey~":` + ec + `}]}`, []string{"/absent", "/my/0/k~1ey~0"}, "X"},
	}
	for _, c := range cases {
		key, err := TeePubKey(claimsFromJSON(t, c.doc), c.extra)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := key.X + key.N; got != c.want {
			t.Errorf("%s: found key %+v", c.name, key)
		}
	}
}

func TestTeePubKeyRefusals(t *testing.T) {
	if _, err := TeePubKey(claimsFromJSON(t, `{"iss":"x"}`), nil); !errors.Is(err, ErrNoTeePubKey) {
		t.Errorf("no key: err = %v", err)
	}
	bad := []string{
		`"string"`,
		`{"kty":"OKP","crv":"X25519","x":"X"}`,
		`{"kty":"EC","crv":"P-256","x":"X","y":"Y"}`,          // no alg
		`{"kty":"EC","alg":"ECDH-ES+A256KW","x":"X","y":"Y"}`, // no crv
		`{"kty":"RSA","alg":"RSA-OAEP-256","n":"N"}`,          // no e
		`{"kty":"RSA","alg":"RSA-OAEP-256","n":1,"e":"AQAB"}`, // n not a string
	}
	for _, key := range bad {
		// A malformed key at an earlier path is an error, not a reason to
		// fall through to a later path (upstream behaves the same).
		doc := `{"tee-pubkey":{"kty":"EC","crv":"P-256","alg":"A","x":"X","y":"Y"},"tdx":{"attester_runtime_data":{"tee-pubkey":` + key + `}}}`
		_, err := TeePubKey(claimsFromJSON(t, doc), nil)
		if err == nil || errors.Is(err, ErrNoTeePubKey) {
			t.Errorf("%s: err = %v", key, err)
		}
	}
}

func TestLookupPointerArrayIndices(t *testing.T) {
	doc := []any{"a", "b"}
	for pointer, ok := range map[string]bool{"/0": true, "/1": true, "/2": false, "/01": false, "/+1": false, "/-1": false, "/": false, "x": false} {
		if _, got := lookupPointer(doc, pointer); got != ok {
			t.Errorf("lookupPointer(%q) found=%v, want %v", pointer, got, ok)
		}
	}
	if got, ok := lookupPointer(doc, ""); !ok || len(got.([]any)) != 2 {
		t.Error(`"" must be the whole document`)
	}
}
