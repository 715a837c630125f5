package policy

import (
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"maps"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/cocoon-cc/cocoon/internal/gencache"
)

// A policy's result is a function of what it reads: the part of the input
// its refs reach (see inputShape), the data document and the answers of
// query_reference_value, unless it calls a built-in whose answer changes
// on its own (the clock, randomness). Guests of one deployment present the
// same measurements, so the Engine remembers the results of such
// deterministic policies by exact input and serves repeats without
// evaluating. A remembered appraisal also records the reference values it
// read, and is served only after each of them is looked up again and found
// byte for byte unchanged, so a new reference value takes effect at once;
// an evaluation that failed is never remembered.

const (
	// memoGeneration bounds each generation of remembered results. Results
	// are small, and a fleet presents a few distinct inputs per policy.
	memoGeneration = 512
	// maxMemoKey bounds the text of an input worth remembering: a policy
	// that reads a whole event log would otherwise fill the memo with
	// keys of hundreds of kilobytes that never repeat.
	maxMemoKey = 16 << 10
)

// clockBuiltins read the wall clock although OPA does not flag them as
// nondeterministic: certificate chains are verified at the current time.
var clockBuiltins = []string{
	"crypto.x509.parse_and_verify_certificates",
	"crypto.x509.parse_and_verify_certificates_with_options",
}

// memoizable reports whether module's results depend only on its input,
// its data document and the reference values it queries.
func memoizable(module *ast.Module) bool {
	deterministic := true
	check := func(operator ast.Ref) {
		name := operator.String()
		if b, ok := ast.BuiltinMap[name]; ok && b.Nondeterministic || slices.Contains(clockBuiltins, name) {
			deterministic = false
		}
	}
	ast.NewGenericVisitor(func(x any) bool {
		switch v := x.(type) {
		case *ast.Expr:
			if v.IsCall() {
				check(v.Operator())
			}
		case ast.Call:
			if len(v) > 0 {
				if ref, ok := v[0].Value.(ast.Ref); ok {
					check(ref)
				}
			}
		}
		return !deterministic
	}).Walk(module)
	return deterministic
}

// rvAnswer is one reference value an evaluation read: raw is nil when
// there was none.
type rvAnswer struct {
	id  string
	raw json.RawMessage
}

// memoized is one remembered result.
type memoized struct {
	appraisal *Appraisal // appraisal policies: shared, handed out as copies
	allow     bool       // resource policies
	read      []rvAnswer // the reference values the evaluation read
}

// evalMemo holds one compiled policy's remembered results.
type evalMemo struct {
	results *gencache.Cache[string, memoized]
}

func newEvalMemo() *evalMemo {
	return &evalMemo{results: gencache.New[string, memoized](memoGeneration)}
}

// keyFor is the key of input and data in m, or false when the policy is
// not memoized (m is nil) or the input is too large to be worth it.
func (m *evalMemo) keyFor(input, data ast.Value) (string, bool) {
	if m == nil {
		return "", false
	}
	size := input.StringLength()
	if data != nil {
		size += 1 + data.StringLength()
	}
	if size > maxMemoKey {
		return "", false
	}
	return memoKey(input, data), true
}

// memoKey is the exact text of what an evaluation reads: OPA's text form
// sorts object keys and quotes strings, and a number keeps the digits it
// was written with, so different inputs never share a key. data is nil
// for appraisals.
func memoKey(input, data ast.Value) string {
	buf := appendValue(make([]byte, 0, input.StringLength()+1), input)
	if data != nil {
		// Neither text can hold a raw NUL: strings are quoted.
		buf = appendValue(append(buf, 0), data)
	}
	return string(buf)
}

func appendValue(buf []byte, v ast.Value) []byte {
	if a, ok := v.(encoding.TextAppender); ok {
		if out, err := a.AppendText(buf); err == nil {
			return out
		}
	}
	return append(buf, v.String()...)
}

// lookup returns the result remembered for key if every reference value it
// read still reads the same.
func (m *evalMemo) lookup(ctx context.Context, key string, rv RVLookup) (memoized, bool) {
	r, ok := m.results.Get(key)
	if !ok {
		return memoized{}, false
	}
	for _, a := range r.read {
		raw, err := rv(ctx, a.id)
		if err != nil || !bytes.Equal(raw, a.raw) {
			return memoized{}, false
		}
	}
	return r, true
}

// remember stores the result of a successful evaluation under key; read
// is copied.
func (m *evalMemo) remember(key string, r memoized, read []rvAnswer) {
	r.read = make([]rvAnswer, len(read))
	for i, a := range read {
		r.read[i] = rvAnswer{id: a.id, raw: bytes.Clone(a.raw)}
	}
	m.results.Put(key, r)
}

// clone is an Appraisal the caller may change without touching a's.
// Extension values are JSON-like trees the callers only read.
func (a *Appraisal) clone() *Appraisal {
	return &Appraisal{TrustVector: maps.Clone(a.TrustVector), Extensions: slices.Clone(a.Extensions)}
}
