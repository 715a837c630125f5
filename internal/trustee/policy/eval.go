package policy

import (
	"context"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// evaluate runs a prepared query on input without the per-call bookkeeping
// OPA adds by default and nobody here reads: metrics (timers, allocated
// per call), a goroutine per call that waits for ctx to be done (the
// cancellation is registered on ctx instead) and the conversion of results
// to Go values (callers read the terms). The result bindings are *ast.Term.
func evaluate(ctx context.Context, pq rego.PreparedEvalQuery, input ast.Value) (rego.ResultSet, error) {
	cancel := topdown.NewCancel()
	stop := context.AfterFunc(ctx, cancel.Cancel)
	defer stop()
	return pq.Eval(ctx,
		rego.EvalParsedInput(input),
		rego.EvalMetrics(metrics.NoOp()),
		rego.EvalExternalCancel(cancel),
		rego.EvalGenerateJSON(keepTerm),
	)
}

func keepTerm(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil }

// definedValue reads a binding of the queries in compile.go, an array
// comprehension holding the rule's value when it is defined: it returns the
// value, or nil when the rule is undefined.
func definedValue(binding any) (ast.Value, bool) {
	term, ok := binding.(*ast.Term)
	if !ok {
		return nil, false
	}
	arr, ok := term.Value.(*ast.Array)
	if !ok || arr.Len() > 1 {
		return nil, false
	}
	if arr.Len() == 0 {
		return nil, true
	}
	return arr.Elem(0).Value, true
}
