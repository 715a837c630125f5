package kbs

import (
	"encoding/json"
	"net/http"
	"testing"
)

var allVariants = []ErrorVariant{
	ErrAdminAuthInitialization, ErrAdminAuthAccess, ErrAttestation, ErrHTTPFailed,
	ErrHTTPSFailed, ErrInvalidRequestPath, ErrJwe, ErrPluginManagerInitialization,
	ErrPluginNotFound, ErrPluginInternal, ErrPolicyDeny, ErrParsePolicy, ErrPolicyEngine,
	ErrRvps, ErrSerde, ErrStorageBackendInitialization, ErrTokenNotFound, ErrTokenVerifier,
	ErrPrometheus,
}

func TestErrorInformationJSON(t *testing.T) {
	info := NewErrorInformation(ErrPolicyDeny, "Access denied by policy")
	raw, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"type":"https://github.com/confidential-containers/kbs/errors/PolicyDeny","detail":"Access denied by policy"}`
	if string(raw) != want {
		t.Errorf("ErrorInformation = %s, want %s", raw, want)
	}
	var back ErrorInformation
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back != info || back.Variant() != ErrPolicyDeny {
		t.Errorf("round trip = %+v (variant %q)", back, back.Variant())
	}
	if v := (ErrorInformation{Type: "about:blank"}).Variant(); v != "" {
		t.Errorf("Variant of a foreign type = %q, want empty", v)
	}
}

func TestErrorVariantHTTPStatus(t *testing.T) {
	for _, v := range allVariants {
		want := http.StatusUnauthorized
		if v == ErrInvalidRequestPath || v == ErrPluginNotFound {
			want = http.StatusNotFound
		}
		if got := v.HTTPStatus(); got != want {
			t.Errorf("%s.HTTPStatus() = %d, want %d", v, got, want)
		}
		if NewErrorInformation(v, "").Variant() != v {
			t.Errorf("variant %s does not round-trip through ErrorInformation", v)
		}
	}
	// Trustee answers 401, not 403 or 404, for denials and missing resources.
	for _, v := range []ErrorVariant{ErrPolicyDeny, ErrPluginInternal, ErrTokenNotFound} {
		if v.HTTPStatus() != http.StatusUnauthorized {
			t.Errorf("%s.HTTPStatus() = %d, want 401", v, v.HTTPStatus())
		}
	}
}

// The spellings are wire format (Trustee HEAD kbs/src/error.rs).
func TestErrorVariantNames(t *testing.T) {
	want := map[ErrorVariant]string{
		ErrAdminAuthAccess: "AdminAuthAccess", ErrAttestation: "AttestationError",
		ErrInvalidRequestPath: "InvalidRequestPath", ErrJwe: "JweError",
		ErrPluginNotFound: "PluginNotFound", ErrPluginInternal: "PluginInternalError",
		ErrPolicyDeny: "PolicyDeny", ErrParsePolicy: "ParsePolicyError",
		ErrPolicyEngine: "PolicyEngineError", ErrRvps: "RvpsError", ErrSerde: "SerdeError",
		ErrTokenNotFound: "TokenNotFound", ErrTokenVerifier: "TokenVerifierError",
		ErrAdminAuthInitialization: "AdminAuthInitialization", ErrHTTPFailed: "HTTPFailed",
		ErrHTTPSFailed: "HTTPSFailed", ErrPluginManagerInitialization: "PluginManagerInitialization",
		ErrStorageBackendInitialization: "StorageBackendInitialization", ErrPrometheus: "PrometheusError",
	}
	if len(want) != len(allVariants) {
		t.Fatalf("%d names for %d variants", len(want), len(allVariants))
	}
	for v, name := range want {
		if string(v) != name {
			t.Errorf("variant %q, want %q", v, name)
		}
	}
}
