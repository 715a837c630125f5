// Package astest holds test doubles for the Attestation Service's
// dependencies: an issuer that records what it would sign, and reference
// values served from a map. It imports neither as nor its verifiers, so
// both as's own tests and verifier tests can use it.
package astest

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
	"github.com/cocoon-cc/cocoon/internal/trustee/token"
)

// Token is what RecordingIssuer answers in place of a signed token.
const Token = "recorded"

// RecordingIssuer keeps the submodules the Attestation Service would
// sign, so tests read the appraisal without decoding a token.
type RecordingIssuer struct {
	mu      sync.Mutex
	submods map[string]token.Submodule
}

// Issue records submods and returns Token.
func (r *RecordingIssuer) Issue(_ context.Context, submods map[string]token.Submodule) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.submods = submods
	return Token, nil
}

// Submodules are those of the last Issue call.
func (r *RecordingIssuer) Submodules() map[string]token.Submodule {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.submods
}

// ReferenceValues serves query_reference_value from JSON texts by id; an
// unknown id has no reference value.
func ReferenceValues(values map[string]string) policy.RVLookup {
	return func(_ context.Context, id string) (json.RawMessage, error) {
		if v, ok := values[id]; ok {
			return json.RawMessage(v), nil
		}
		return nil, nil
	}
}
