package policy

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/open-policy-agent/opa/v1/ast"
)

// paths lists what a shape keeps, one "a.b" per kept subtree, "" for all.
func (s *inputShape) paths() []string {
	if s.whole {
		return []string{""}
	}
	var out []string
	for key, child := range s.keys {
		for _, p := range child.paths() {
			if p == "" {
				out = append(out, key)
			} else {
				out = append(out, key+"."+p)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestInputShape(t *testing.T) {
	for _, tc := range []struct {
		name   string
		module string
		want   []string
	}{
		{"no input", `allow if data.plugin == "resource"`, nil},
		{"one path", `allow if input.submods.cpu0["ear.status"] == "affirming"`, []string{"submods.cpu0.ear.status"}},
		{"shorter path wins", `allow if { input.a.b.c == 1; input.a == {} }`, []string{"a"}},
		{"siblings", `allow if { input.a.b == 1; input.a.c == 2; input.d }`, []string{"a.b", "a.c", "d"}},
		{"variable key stops the path", `allow if input.a[k].c == 1`, []string{"a"}},
		{"number key stops the path", `allow if input.a[0] == 1`, []string{"a"}},
		{"bare input", `allow if count(input) > 0`, []string{""}},
		{"walk", `allow if walk(input, [_, 1])`, []string{""}},
		{"variable first key", `allow if input[k] == 1`, []string{""}},
		{"import", "import input.submods as s\nallow if s.cpu0.x == 1", []string{"submods"}},
		{"ref inside a ref", `allow if data.m[input.k] == input.v.w`, []string{"k", "v.w"}},
		{"membership", `allow if "x" in input.list`, []string{"list"}},
		{"every", `allow if every v in input.vs { v > 0 }`, []string{"vs"}},
		{"function body", "f(x) := input.cfg[x]\nallow if f(\"a\") == 1", []string{"cfg"}},
		{"rule head", `m[input.k] := 1`, []string{"k"}},
		{"with", `allow if input.a == 1 with input.b as 2`, []string{"a", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := ast.MustParseModuleWithOpts("package policy\n"+tc.module, ast.ParserOptions{RegoVersion: ast.RegoV1})
			if got := shapeOf(m).paths(); !slices.Equal(got, tc.want) {
				t.Fatalf("kept %q, want %q", got, tc.want)
			}
		})
	}
}

func TestInputShapeValue(t *testing.T) {
	shape := &inputShape{}
	shape.add([]string{"a", "b"})
	shape.add([]string{"s"})
	input := map[string]any{
		"a": map[string]any{"b": []any{1, "x"}, "c": "dropped"},
		"s": "a string where the shape stops",
		"z": map[string]any{"dropped": true},
	}
	got, err := shape.value(input)
	if err != nil {
		t.Fatal(err)
	}
	want := ast.MustParseTerm(`{"a": {"b": [1, "x"]}, "s": "a string where the shape stops"}`).Value
	if got.Compare(want) != 0 {
		t.Fatalf("kept %v, want %v", got, want)
	}
	// Where the shape descends into something that is not an object, that
	// value is kept whole: input.s.t is then undefined, as it was.
	deep := &inputShape{}
	deep.add([]string{"s", "t"})
	if got, err = deep.value(input); err != nil {
		t.Fatal(err)
	}
	if want := ast.MustParseTerm(`{"s": "a string where the shape stops"}`).Value; got.Compare(want) != 0 {
		t.Fatalf("kept %v, want %v", got, want)
	}
	for _, in := range []any{nil, map[string]any(nil), []any{1}, "s"} {
		whole, _ := ast.InterfaceToValue(in)
		if got, err := shape.value(in); err != nil || got.Compare(whole) != 0 {
			t.Fatalf("value(%#v) = %v, %v; want it whole: %v", in, got, err, whole)
		}
	}
}

// evalWith evaluates module on input converted with shape, as Appraise and
// Allow do, and renders the bindings.
func evalWith(t *testing.T, e *Engine, module string, kind Kind, input any, shape func(compiled) *inputShape) string {
	t.Helper()
	ctx := context.Background()
	policy, err := e.prepared(ctx, module, kind)
	if err != nil {
		t.Fatal(err)
	}
	in, err := inputValue(input, shape(policy))
	if err != nil {
		t.Fatal(err)
	}
	if kind == KindAppraisal {
		ctx = withRVSession(ctx, &rvSession{lookup: staticRVs(sampleRVs), terms: &e.rvTerms})
	} else {
		data, err := ast.InterfaceToValue(sampleResourceData())
		if err != nil {
			t.Fatal(err)
		}
		ctx = withDataDocument(ctx, data.(ast.Object))
	}
	rs, err := evaluate(ctx, policy.query, in)
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	for _, r := range rs {
		for _, name := range []string{"allow", "trust_claims", "extensions"} {
			if v, ok := r.Bindings[name]; ok {
				b.WriteString(name + "=" + v.(*ast.Term).String() + "\n")
			}
		}
	}
	return b.String()
}

// shapeInputs are the inputs the differential tests run each policy on:
// the sample TEE's, the same as token claims in every EAR status, and
// variants with extra, missing and oddly typed members.
func shapeInputs() []map[string]any {
	inputs := []map[string]any{sampleAppraisalInput(), sampleTokenClaims(), {}}
	for _, status := range []string{"affirming", "warning", "contraindicated", "none"} {
		c := sampleTokenClaims()
		c["submods"].(map[string]any)["cpu0"].(map[string]any)["ear.status"] = status
		inputs = append(inputs, c)
	}
	extra := sampleAppraisalInput()
	extra["snp"] = map[string]any{"measurement": "abcde", "policy_debug_allowed": "0"}
	extra["init_data"] = "00"
	extra["sample"] = "not an object"
	return append(inputs, extra)
}

// TestPrunedInputEvaluatesTheSame runs upstream's policies, and some that
// read input in every way Rego allows, on whole and on pruned inputs: the
// results must be identical.
func TestPrunedInputEvaluatesTheSame(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(upstream.Dir(t), "trustee", "policies", "*", "*.rego"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no upstream policies: %v", err)
	}
	modules := map[string]string{
		"walk":       "package policy\nallow if { walk(input, [p, v]); v == \"affirming\" }\ntrust_claims := {\"hardware\": count(input)}\n",
		"iterate":    "package policy\nallow if { some k, v in input.submods; v[\"ear.status\"] == \"affirming\"; k == \"cpu0\" }\n",
		"object.get": "package policy\nallow if object.get(input, [\"submods\", \"cpu0\", \"ear.status\"], \"\") == \"affirming\"\n",
		"import":     "package policy\nimport input.submods.cpu0 as c\nallow if c[\"ear.status\"] == \"affirming\"\ntrust_claims := {\"executables\": 2} if c\n",
		"none":       "package policy\nallow if data.plugin == \"resource\"\n",
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		modules[filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f)] = string(b)
	}
	e := NewEngine(nil)
	whole := func(compiled) *inputShape { return wholeInput }
	pruned := func(c compiled) *inputShape { return c.input }
	evaluated := 0
	for name, module := range modules {
		for _, kind := range []Kind{KindAppraisal, KindResource} {
			if _, err := e.prepared(context.Background(), module, kind); err != nil {
				continue // e.g. an appraisal policy has no allow rule
			}
			for i, input := range shapeInputs() {
				want := evalWith(t, e, module, kind, input, whole)
				if got := evalWith(t, e, module, kind, input, pruned); got != want {
					t.Errorf("%s as %v, input %d: pruned input gave\n%s\nwhole input gave\n%s", name, kind, i, got, want)
				}
				evaluated++
			}
		}
	}
	if evaluated < 100 {
		t.Fatalf("only %d evaluations compared", evaluated)
	}
}

// FuzzPrunedInput evaluates upstream's default policies on arbitrary JSON
// input, whole and pruned: the results must be identical.
func FuzzPrunedInput(f *testing.F) {
	for _, in := range shapeInputs() {
		b, err := json.Marshal(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"submods":{"cpu0":{"ear.status":"affirming"}},"sample":{"svn":"1"}}`))
	f.Add([]byte(`[1,2]`))
	dir := filepath.Join(upstream.Dir(f), "trustee", "policies")
	var modules []struct {
		text string
		kind Kind
	}
	for _, p := range []struct {
		file string
		kind Kind
	}{
		{"as/ear_default_policy_cpu.rego", KindAppraisal},
		{"kbs/default.rego", KindResource},
		{"kbs/affirming.rego", KindResource},
	} {
		b, err := os.ReadFile(filepath.Join(dir, p.file))
		if err != nil {
			f.Fatal(err)
		}
		modules = append(modules, struct {
			text string
			kind Kind
		}{string(b), p.kind})
	}
	e := NewEngine(nil)
	whole := func(compiled) *inputShape { return wholeInput }
	pruned := func(c compiled) *inputShape { return c.input }
	f.Fuzz(func(t *testing.T, raw []byte) {
		var input any
		if json.Unmarshal(raw, &input) != nil {
			return
		}
		for _, m := range modules {
			want := evalWith(t, e, m.text, m.kind, input, whole)
			if got := evalWith(t, e, m.text, m.kind, input, pruned); got != want {
				t.Fatalf("pruned input gave\n%s\nwhole input gave\n%s", got, want)
			}
		}
	})
}
