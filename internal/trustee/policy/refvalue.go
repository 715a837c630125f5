package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/types"
)

// RVLookup returns the JSON value of reference value id, or (nil, nil) when
// there is none.
type RVLookup func(ctx context.Context, id string) (json.RawMessage, error)

// errNoReferenceValues is returned to resource policies, which upstream's
// KBS also evaluates without the reference-value extension.
var errNoReferenceValues = errors.New("reference values are not available to this policy")

type rvSessionKey struct{}

// rvSession is one evaluation's reference-value source. It travels in the
// context because the prepared query (and so the builtin) is shared by
// every evaluation of a policy, while the lookup is per call. It keeps the
// lookup's error because OPA's halt error does not unwrap to it.
type rvSession struct {
	lookup RVLookup
	err    error // first failed lookup; OPA evaluates one query sequentially
}

func withRVSession(ctx context.Context, s *rvSession) context.Context {
	return context.WithValue(ctx, rvSessionKey{}, s)
}

// queryReferenceValue is upstream's regorus extension of the same name and
// arity: the stored value of a reference value, or null. It is memoized per
// evaluation, so a policy may call it for the same id in many rules. Its
// errors halt the evaluation: a failed lookup must fail the appraisal, not
// read as "no reference value".
var queryReferenceValue = rego.Function1(
	&rego.Function{
		Name:             "query_reference_value",
		Decl:             types.NewFunction(types.Args(types.Named("id", types.S)), types.A),
		Memoize:          true,
		Nondeterministic: true,
	},
	func(bctx rego.BuiltinContext, op *ast.Term) (*ast.Term, error) {
		id, ok := op.Value.(ast.String)
		if !ok { // the type checker already refuses this at compile time
			return nil, rego.NewHaltError(fmt.Errorf("reference value id must be a string, got %s", ast.ValueName(op.Value)))
		}
		s, _ := bctx.Context.Value(rvSessionKey{}).(*rvSession)
		if s == nil {
			return nil, rego.NewHaltError(errNoReferenceValues)
		}
		value, err := s.query(bctx.Context, string(id))
		if err != nil {
			return nil, rego.NewHaltError(err)
		}
		return ast.NewTerm(value), nil
	},
)

// query looks id up, remembering the first failure for the caller.
func (s *rvSession) query(ctx context.Context, id string) (ast.Value, error) {
	value, err := s.decode(ctx, id)
	if err != nil {
		err = fmt.Errorf("reference value %q: %w", id, err)
		if s.err == nil {
			s.err = err
		}
	}
	return value, err
}

func (s *rvSession) decode(ctx context.Context, id string) (ast.Value, error) {
	raw, err := s.lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return ast.Null{}, nil
	}
	if !json.Valid(raw) {
		return nil, errors.New("stored value is not valid JSON")
	}
	return ast.ValueFromReader(bytes.NewReader(raw))
}

// noReferenceValues serves an appraisal without a lookup: every id is absent.
func noReferenceValues(context.Context, string) (json.RawMessage, error) { return nil, nil }
