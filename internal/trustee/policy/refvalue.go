package policy

import (
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
// every evaluation of a policy, while the lookup is per call. OPA
// evaluates one query sequentially, so it needs no lock.
type rvSession struct {
	lookup RVLookup
	terms  *termCache
	// answers memoizes this evaluation's lookups by id, so a policy may
	// call query_reference_value for the same id in many rules.
	answers map[string]*ast.Term
	// read lists what the lookups returned, in order, for evalMemo.
	read []rvAnswer
	// err is the first failed lookup: OPA's halt error does not unwrap to it.
	err error
}

func withRVSession(ctx context.Context, s *rvSession) context.Context {
	return context.WithValue(ctx, rvSessionKey{}, s)
}

// queryReferenceValue is upstream's regorus extension of the same name and
// arity: the stored value of a reference value, or null. Its errors halt
// the evaluation: a failed lookup must fail the appraisal, not read as "no
// reference value".
var queryReferenceValue = rego.Function1(
	&rego.Function{
		Name:             "query_reference_value",
		Decl:             types.NewFunction(types.Args(types.Named("id", types.S)), types.A),
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
		return value, nil
	},
)

// query answers id from this evaluation's memo or else the lookup,
// remembering the first failure for the caller.
func (s *rvSession) query(ctx context.Context, id string) (*ast.Term, error) {
	if t, ok := s.answers[id]; ok {
		return t, nil
	}
	raw, err := s.lookup(ctx, id)
	var t *ast.Term
	if err == nil {
		t, err = s.terms.term(raw)
	}
	if err != nil {
		err = fmt.Errorf("reference value %q: %w", id, err)
		if s.err == nil {
			s.err = err
		}
		return nil, err
	}
	if s.answers == nil {
		s.answers = make(map[string]*ast.Term)
	}
	s.answers[id] = t
	s.read = append(s.read, rvAnswer{id: id, raw: raw})
	return t, nil
}

// noReferenceValues serves an appraisal without a lookup: every id is absent.
func noReferenceValues(context.Context, string) (json.RawMessage, error) { return nil, nil }
