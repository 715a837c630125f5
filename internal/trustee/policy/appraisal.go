package policy

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
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
	decisions := &e.decisions[KindAppraisal]
	key, memoize := policy.memo.keyFor(in, nil)
	if memoize {
		if r, ok := policy.memo.lookup(ctx, key, rv); ok {
			decisions.remembered.Add(1)
			return r.appraisal.clone(), nil
		}
	}
	decisions.evaluated.Add(1)
	session := &rvSession{lookup: rv, terms: &e.rvTerms}
	appraisal, err := appraise(ctx, policy, in, session)
	if err != nil {
		return nil, err
	}
	if memoize {
		policy.memo.remember(key, memoized{appraisal: appraisal.clone()}, session.read)
	}
	return appraisal, nil
}

// appraise evaluates policy on in, reading reference values from session.
func appraise(ctx context.Context, policy compiled, in ast.Value, session *rvSession) (*Appraisal, error) {
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
