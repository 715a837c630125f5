package policy

import (
	"context"
	"fmt"
)

// Extension is a policy-provided EAR appraisal extension.
type Extension struct {
	Name  string
	Key   int
	Value any
}

// Appraisal is what an appraisal policy decided about one TEE.
type Appraisal struct {
	// TrustVector maps AR4SI claim names ("instance-identity",
	// "configuration", "executables", "file-system", "hardware",
	// "runtime-opaque", "storage-opaque", "sourced-data") to values in
	// -128..127. It holds the claims the policy set, or all eight at 0 when
	// the policy has no trust_claims.
	TrustVector map[string]int
	Extensions  []Extension
}

// Appraise evaluates data.policy.trust_claims and data.policy.extensions
// with the given input; query_reference_value(id) is served by rv (a nil rv
// means there are no reference values).
func (e *Engine) Appraise(ctx context.Context, module string, input map[string]any, rv RVLookup) (*Appraisal, error) {
	policy, err := e.prepared(ctx, module, KindAppraisal)
	if err != nil {
		return nil, err
	}
	in, err := inputValue(input, policy.input)
	if err != nil {
		return nil, err
	}
	if rv == nil {
		rv = noReferenceValues
	}
	ctx, cancel := withEvalTimeout(ctx)
	defer cancel()
	session := &rvSession{lookup: rv, terms: &e.rvTerms}
	rs, err := evaluate(withRVSession(ctx, session), policy.query, in)
	if session.err != nil {
		return nil, fmt.Errorf("policy: evaluate appraisal: query_reference_value: %w", session.err)
	}
	if err != nil {
		return nil, evalError(ctx, "appraisal", err)
	}
	if len(rs) != 1 {
		return nil, fmt.Errorf("%w: %d results", ErrInvalidResult, len(rs))
	}
	trustVector, err := decodeTrustClaims(rs[0].Bindings["trust_claims"])
	if err != nil {
		return nil, err
	}
	extensions, err := decodeExtensions(rs[0].Bindings["extensions"])
	if err != nil {
		return nil, err
	}
	return &Appraisal{TrustVector: trustVector, Extensions: extensions}, nil
}
