package keyprovider

import (
	"errors"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/guest/secret"
)

// Upstream's keyid normalisation cases (coco_keyprovider enc_mods tests),
// with the kid each one gets in the packet here.
func TestParseParamsKeyIDForms(t *testing.T) {
	for keyID, want := range map[string]struct{ kid, path string }{
		"kbs://a/b/c/d":       {"kbs://a/b/c/d", "b/c/d"},
		"kbs:///b/c/d":        {"kbs:///b/c/d", "b/c/d"},
		"a/b/c/d":             {"kbs://a/b/c/d", "b/c/d"},
		"/b/c/d":              {"kbs:///b/c/d", "b/c/d"},
		"kbs:///b/c/d?x=1":    {"kbs:///b/c/d?x=1", ""},
		"kbs+pkcs11:///b/c/d": {"kbs+pkcs11:///b/c/d", ""},
	} {
		p, err := ParseParams("keyid=" + keyID)
		if err != nil {
			t.Errorf("%s: %v", keyID, err)
			continue
		}
		if p.KID != want.kid || p.Algorithm != secret.A256GCM {
			t.Errorf("%s: kid %q algorithm %s, want %q A256GCM", keyID, p.KID, p.Algorithm, want.kid)
		}
		path, err := resourcePath(p.KeyID)
		if want.path == "" {
			if !errors.Is(err, ErrInvalidRequest) {
				t.Errorf("%s: registration path %q, want a refusal", keyID, path)
			}
		} else if path != want.path {
			t.Errorf("%s: registration path %q (%v), want %q", keyID, path, err, want.path)
		}
	}
}

// Upstream read the algorithm from keypath; here it is the algorithm's.
func TestParseParamsAlgorithmIsHonoured(t *testing.T) {
	p, err := ParseParams("keypath=/k::keyid=kbs:///r/t/g::algorithm=A256CTR")
	if err != nil {
		t.Fatal(err)
	}
	if p.Algorithm != secret.A256CTR || p.KeyPath != "/k" {
		t.Fatalf("got %+v", p)
	}
}
