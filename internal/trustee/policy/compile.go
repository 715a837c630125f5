package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// Queries evaluated per kind. The appraisal query wraps each rule in an
// array comprehension so that an undefined trust_claims does not hide the
// extensions (and vice versa): an empty array means "undefined".
const (
	appraisalQuery = `trust_claims = [x | x := data.policy.trust_claims]; extensions = [y | y := data.policy.extensions]`
	resourceQuery  = `allow = [x | x := data.policy.allow]`
)

// policyPackage is the package every Trustee policy declares.
var policyPackage = ast.MustParseRef("data.policy")

// deniedBuiltins reach the network or the host; see the package doc.
var deniedBuiltins = []string{"http.send", "net.lookup_ip_addr", "opa.runtime"}

var capabilities = func() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = slices.DeleteFunc(caps.Builtins, func(b *ast.Builtin) bool {
		return slices.Contains(deniedBuiltins, b.Name)
	})
	return caps
}()

// prepare compiles module for kind, as Rego v1 and else as Rego v0.
func (e *Engine) prepare(ctx context.Context, module string, kind Kind) (compiled, error) {
	c, errV1 := e.prepareVersion(ctx, module, kind, ast.RegoV1)
	if errV1 == nil {
		return c, nil
	}
	c, errV0 := e.prepareVersion(ctx, module, kind, ast.RegoV0)
	if errV0 == nil {
		e.logger.Debug("policy compiled as Rego v0", "kind", kind.String())
		return c, nil
	}
	if looksLikeV0(errV1) {
		return compiled{}, fmt.Errorf("%w: %w", ErrInvalidPolicy, errV0)
	}
	return compiled{}, fmt.Errorf("%w: %w", ErrInvalidPolicy, errV1)
}

func (e *Engine) prepareVersion(ctx context.Context, module string, kind Kind, version ast.RegoVersion) (compiled, error) {
	// No file name: OPA then prints positions as line:col.
	parsed, err := ast.ParseModuleWithOpts("", module, ast.ParserOptions{RegoVersion: version})
	if err != nil {
		return compiled{}, err
	}
	if err := checkShape(parsed, kind); err != nil {
		return compiled{}, err
	}
	// Read before OPA compiles (and may rewrite) the module.
	shape := shapeOf(parsed)
	var memo *evalMemo
	if memoizable(parsed) {
		memo = newEvalMemo()
	}
	query := appraisalQuery
	if kind == KindResource {
		query = resourceQuery
	}
	r := rego.New(
		rego.SetRegoVersion(version),
		rego.Query(query),
		rego.ParsedModule(parsed),
		rego.Strict(true),
		rego.Capabilities(capabilities),
		rego.Store(e.store),
		queryReferenceValue,
	)
	pq, err := r.PrepareForEval(ctx)
	if err != nil {
		return compiled{}, err
	}
	return compiled{query: pq, input: shape, memo: memo}, nil
}

// checkShape refuses modules Trustee could never consult: another package,
// or a resource policy without an allow rule.
func checkShape(m *ast.Module, kind Kind) error {
	if !m.Package.Path.Equal(policyPackage) {
		return ast.Errors{ast.NewError(ast.CompileErr, m.Package.Location,
			"package must be %q, not %q", "policy", strings.TrimPrefix(m.Package.Path.String(), "data."))}
	}
	if kind != KindResource {
		return nil
	}
	for _, rule := range m.Rules {
		if rule.Head.Ref().String() == "allow" {
			return nil
		}
	}
	return ast.Errors{ast.NewError(ast.CompileErr, m.Package.Location, "resource policy must define rule %q", "allow")}
}

// looksLikeV0 reports whether a Rego v1 compile failed on keywords only a
// Rego v0 author would leave out.
func looksLikeV0(err error) bool {
	var errs ast.Errors
	if !errors.As(err, &errs) {
		return false
	}
	for _, e := range errs {
		if strings.Contains(e.Message, "`if` keyword is required") ||
			strings.Contains(e.Message, "`contains` keyword is required") {
			return true
		}
	}
	return false
}
