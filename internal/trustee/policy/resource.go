package policy

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Allow evaluates data.policy.allow with input (the verified token claims,
// as Go values or as JSON text in a json.RawMessage) and data (e.g. {"plugin":"resource","resource-path":[...],"query":{...}}).
// A missing, undefined or non-boolean allow denies with an error wrapping
// ErrNotBoolean, as upstream's KBS does (it counts them as policy errors).
func (e *Engine) Allow(ctx context.Context, module string, input any, data map[string]any) (bool, error) {
	if _, clash := data["policy"]; clash {
		return false, fmt.Errorf("policy: data must not have a %q key: it would shadow the policy's rules", "policy")
	}
	doc, err := ast.InterfaceToValue(data)
	if err != nil {
		return false, fmt.Errorf("policy: data: %w", err)
	}
	obj, ok := doc.(ast.Object)
	if !ok {
		// A nil map converts to null: no data document at all.
		obj = ast.NewObject()
	}
	policy, err := e.prepared(ctx, module, KindResource)
	if err != nil {
		return false, err
	}
	in, err := inputValue(input, policy.input)
	if err != nil {
		return false, err
	}
	ctx, cancel := withEvalTimeout(ctx)
	defer cancel()
	decisions := &e.decisions[KindResource]
	key, memoize := policy.memo.keyFor(in, obj)
	if memoize {
		if r, ok := policy.memo.lookup(ctx, key, noReferenceValues); ok {
			decisions.remembered.Add(1)
			return r.allow, nil
		}
	}
	decisions.evaluated.Add(1)
	allow, err := allows(ctx, policy, in, obj)
	if err == nil && memoize {
		policy.memo.remember(key, memoized{allow: allow}, nil)
	}
	return allow, err
}

// allows evaluates the resource policy on in with data document doc.
func allows(ctx context.Context, policy compiled, in ast.Value, doc ast.Object) (bool, error) {
	rs, err := evaluate(withDataDocument(ctx, doc), policy.query, in)
	if err != nil {
		return false, evalError(ctx, "resource policy", err)
	}
	if len(rs) != 1 {
		return false, fmt.Errorf("policy: resource policy gave %d results", len(rs))
	}
	value, ok := definedValue(rs[0].Bindings["allow"])
	if !ok || value == nil {
		return false, &notBooleanError{undefined: true}
	}
	allow, ok := value.(ast.Boolean)
	if !ok {
		return false, &notBooleanError{got: value}
	}
	return bool(allow), nil
}

// notBooleanError is ErrNotBoolean with what allow actually was.
type notBooleanError struct {
	undefined bool
	got       ast.Value
}

func (e *notBooleanError) Error() string {
	if e.undefined {
		return ErrNotBoolean.Error() + ": allow is undefined"
	}
	return fmt.Sprintf("%s: allow is %s", ErrNotBoolean, ast.ValueName(e.got))
}

func (e *notBooleanError) Unwrap() error { return ErrNotBoolean }
