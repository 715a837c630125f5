package kbs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Defaults of kbs-client's set-attestation-policy.
const (
	DefaultPolicyType = "rego"
	// DefaultAttestationPolicyID is the policy the EAR broker evaluates
	// for CPU evidence.
	DefaultAttestationPolicyID = "default_cpu"
)

// Admin calls the KBS administration API with a bearer token. It is safe
// for concurrent use.
type Admin struct {
	api         string // the API root, see apiRoot
	http        *http.Client
	tokenSource func() (string, error)
}

// NewAdmin returns an admin client of the KBS at baseURL. tokenSource is
// called for every request; when it returns "" no Authorization header is
// sent (for a KBS whose admin mode is InsecureAllowAll).
func NewAdmin(baseURL string, tokenSource func() (string, error), opts ...Option) (*Admin, error) {
	if tokenSource == nil {
		return nil, errors.New("kbs: NewAdmin needs a token source")
	}
	api, err := apiRoot(baseURL)
	if err != nil {
		return nil, err
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Admin{api: api, http: cfg.httpClient, tokenSource: tokenSource}, nil
}

type setPolicyRequest struct {
	Type     string `json:"type"`
	PolicyID string `json:"policy_id"`
	Policy   string `json:"policy"`
}

type resourcePolicyRequest struct {
	Policy string `json:"policy"`
}

// SetAttestationPolicy uploads an attestation-service policy. Empty id and
// policyType mean "default_cpu" and "rego".
func (a *Admin) SetAttestationPolicy(ctx context.Context, id string, policy []byte, policyType string) error {
	if id == "" {
		id = DefaultAttestationPolicyID
	}
	if policyType == "" {
		policyType = DefaultPolicyType
	}
	body := setPolicyRequest{Type: policyType, PolicyID: id, Policy: base64.RawURLEncoding.EncodeToString(policy)}
	_, err := a.callJSON(ctx, http.MethodPost, []string{"attestation-policy"}, body)
	return err
}

// SetResourcePolicy uploads the KBS resource policy (Rego).
func (a *Admin) SetResourcePolicy(ctx context.Context, policy []byte) error {
	body := resourcePolicyRequest{Policy: base64.RawURLEncoding.EncodeToString(policy)}
	_, err := a.callJSON(ctx, http.MethodPost, []string{"resource-policy"}, body)
	return err
}

// GetResourcePolicy returns what the KBS answers: a JSON array of policy
// ids (Trustee v0.17 and later). Older servers answer the base64url policy
// text, which is returned as a JSON string.
func (a *Admin) GetResourcePolicy(ctx context.Context) (json.RawMessage, error) {
	body, err := a.call(ctx, http.MethodGet, []string{"resource-policy"}, "", nil)
	if err != nil {
		return nil, err
	}
	return asJSON(body)
}

// SetResource stores data at "repo/type/tag".
func (a *Admin) SetResource(ctx context.Context, path string, data []byte) error {
	route, err := resourceRoute(path)
	if err != nil {
		return err
	}
	if data == nil {
		data = []byte{}
	}
	_, err = a.call(ctx, http.MethodPost, route, "application/octet-stream", data)
	return err
}

// DeleteResource removes the resource at "repo/type/tag".
func (a *Admin) DeleteResource(ctx context.Context, path string) error {
	route, err := resourceRoute(path)
	if err != nil {
		return err
	}
	_, err = a.call(ctx, http.MethodDelete, route, "", nil)
	return err
}

// RegisterReferenceValue posts an RVPS registration message (JSON), for
// example one built by SampleReferenceValueMessage.
func (a *Admin) RegisterReferenceValue(ctx context.Context, message []byte) error {
	if !json.Valid(message) {
		return errors.New("kbs: reference value message is not JSON")
	}
	_, err := a.call(ctx, http.MethodPost, []string{"reference-value"}, "application/json", message)
	return err
}

// GetReferenceValue returns the value registered under id; ids may hold
// slashes.
func (a *Admin) GetReferenceValue(ctx context.Context, id string) (json.RawMessage, error) {
	parts := strings.Split(id, "/")
	for _, p := range parts {
		if p == "" || p == "." || p == ".." || strings.ContainsFunc(p, isControl) {
			return nil, fmt.Errorf("%w: reference value id %q", ErrInvalidPath, id)
		}
	}
	body, err := a.call(ctx, http.MethodGet, append([]string{"reference-value"}, parts...), "", nil)
	if err != nil {
		return nil, err
	}
	return asJSON(body)
}

func (a *Admin) callJSON(ctx context.Context, method string, route []string, v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("kbs: encode request: %w", err)
	}
	return a.call(ctx, method, route, "application/json", body)
}

func (a *Admin) call(ctx context.Context, method string, route []string, contentType string, body []byte) ([]byte, error) {
	req, err := newRequest(ctx, method, routeURL(a.api, route, ""), contentType, body)
	if err != nil {
		return nil, err
	}
	token, err := a.tokenSource()
	if err != nil {
		return nil, fmt.Errorf("kbs: admin token: %w", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	answer, _, err := send(a.http, req)
	return answer, err
}

// asJSON returns body when it is JSON and body as a JSON string otherwise.
func asJSON(body []byte) (json.RawMessage, error) {
	if json.Valid(body) {
		return body, nil
	}
	quoted, err := json.Marshal(string(body))
	if err != nil {
		return nil, fmt.Errorf("kbs: encode answer: %w", err)
	}
	return quoted, nil
}
