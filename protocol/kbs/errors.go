package kbs

import (
	"net/http"
	"strings"
)

// ErrorVariant is the last path segment of ErrorInformation.Type: the name
// of the Trustee error variant that failed the request.
type ErrorVariant string

// The error variants of Trustee HEAD (kbs/src/error.rs).
const (
	ErrAdminAuthInitialization      ErrorVariant = "AdminAuthInitialization"
	ErrAdminAuthAccess              ErrorVariant = "AdminAuthAccess"
	ErrAttestation                  ErrorVariant = "AttestationError"
	ErrHTTPFailed                   ErrorVariant = "HTTPFailed"
	ErrHTTPSFailed                  ErrorVariant = "HTTPSFailed"
	ErrInvalidRequestPath           ErrorVariant = "InvalidRequestPath"
	ErrJwe                          ErrorVariant = "JweError"
	ErrPluginManagerInitialization  ErrorVariant = "PluginManagerInitialization"
	ErrPluginNotFound               ErrorVariant = "PluginNotFound"
	ErrPluginInternal               ErrorVariant = "PluginInternalError"
	ErrPolicyDeny                   ErrorVariant = "PolicyDeny"
	ErrParsePolicy                  ErrorVariant = "ParsePolicyError"
	ErrPolicyEngine                 ErrorVariant = "PolicyEngineError"
	ErrRvps                         ErrorVariant = "RvpsError"
	ErrSerde                        ErrorVariant = "SerdeError"
	ErrStorageBackendInitialization ErrorVariant = "StorageBackendInitialization"
	ErrTokenNotFound                ErrorVariant = "TokenNotFound"
	ErrTokenVerifier                ErrorVariant = "TokenVerifierError"
	ErrPrometheus                   ErrorVariant = "PrometheusError"
)

// NewErrorInformation builds the body of a KBS error response.
func NewErrorInformation(v ErrorVariant, detail string) ErrorInformation {
	return ErrorInformation{Type: ErrorTypePrefix + string(v), Detail: detail}
}

// HTTPStatus is the status Trustee answers with: 404 for an unknown path or
// plugin, 401 for everything else (policy denials and missing resources
// included, whatever the upstream docs say).
func (v ErrorVariant) HTTPStatus() int {
	switch v {
	case ErrInvalidRequestPath, ErrPluginNotFound:
		return http.StatusNotFound
	}
	return http.StatusUnauthorized
}

// Variant returns the error variant named by e.Type, or "" when the type
// does not carry the KBS error prefix.
func (e ErrorInformation) Variant() ErrorVariant {
	v, ok := strings.CutPrefix(e.Type, ErrorTypePrefix)
	if !ok {
		return ""
	}
	return ErrorVariant(v)
}
