package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

// evaluations is how many times e evaluated module of kind instead of
// answering from its memo; e evaluates nothing else.
func evaluations(t *testing.T, e *Engine, module string, kind Kind) uint64 {
	t.Helper()
	c, err := e.prepared(context.Background(), module, kind)
	if err != nil {
		t.Fatal(err)
	}
	if c.memo == nil {
		t.Fatal("policy is not memoized")
	}
	evaluated, _ := e.Decisions(kind)
	return evaluated
}

func TestMemoizable(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		want bool
	}{
		{"plain", `trust_claims := {"executables": 2} if input.a == 1`, true},
		{"reference values", `trust_claims := {"executables": 2} if input.a in query_reference_value("a")`, true},
		{"pure builtins", `trust_claims := {"executables": count(split(input.s, ","))} if sha256("x") != ""`, true},
		{"clock", `trust_claims := {"executables": 2} if time.now_ns() > 0`, false},
		{"clock nested in a term", `x := [time.now_ns()]` + "\ntrust_claims := {\"executables\": 2} if x[0] > 0", false},
		{"clock in a function", "f(x) := y if y := time.now_ns() + x\ntrust_claims := {\"executables\": 2} if f(1) > 0", false},
		{"randomness", `trust_claims := {"executables": rand.intn("x", 10)}`, false},
		{"uuid", `trust_claims := {"executables": 2} if uuid.rfc4122("x") != ""`, false},
		{"certificate validity", `trust_claims := {"executables": 2} if crypto.x509.parse_and_verify_certificates(input.c)[0]`, false},
		{"jwt expiry", `trust_claims := {"executables": 2} if io.jwt.decode_verify(input.t, {})[0]`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			module, err := ast.ParseModuleWithOpts("", "package policy\n\nimport rego.v1\n\n"+tc.body+"\n", ast.ParserOptions{RegoVersion: ast.RegoV1})
			if err != nil {
				t.Fatal(err)
			}
			if got := memoizable(module); got != tc.want {
				t.Fatalf("memoizable = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestUpstreamPoliciesAreMemoized(t *testing.T) {
	e := NewEngine(nil)
	for dir, kind := range map[string]Kind{
		"as": KindAppraisal, "as-tests": KindAppraisal, "kbs": KindResource, "engine": KindResource,
	} {
		paths, err := filepath.Glob(filepath.Join(upstream.Path(t, "trustee/policies/"+dir), "*.rego"))
		if err != nil || len(paths) == 0 {
			t.Fatalf("no upstream policies in %s: %v", dir, err)
		}
		for _, path := range paths {
			module, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c, err := e.prepared(context.Background(), string(module), kind)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if c.memo == nil {
				t.Errorf("%s is not memoized", path)
			}
		}
	}
}

func TestNondeterministicPolicyIsEvaluatedEveryTime(t *testing.T) {
	module := "package policy\n\nimport rego.v1\n\n" +
		`trust_claims := {"executables": 2} if time.now_ns() > 0` + "\n"
	e := NewEngine(nil)
	c, err := e.prepared(context.Background(), module, KindAppraisal)
	if err != nil {
		t.Fatal(err)
	}
	if c.memo != nil {
		t.Fatal("a policy reading the clock got a memo")
	}
	for range 2 {
		if _, err := e.Appraise(context.Background(), module, map[string]any{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if evaluated, remembered := e.Decisions(KindAppraisal); evaluated != 2 || remembered != 0 {
		t.Fatalf("Decisions = %d evaluated, %d remembered; want 2 and 0", evaluated, remembered)
	}
}

// countingRVs serves values and counts lookups; values may change between
// calls.
type countingRVs struct {
	mu      sync.Mutex
	values  map[string]string
	lookups int
}

func (c *countingRVs) lookup(_ context.Context, id string) (json.RawMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lookups++
	v, ok := c.values[id]
	if !ok {
		return nil, nil
	}
	return json.RawMessage(v), nil
}

func (c *countingRVs) set(id, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.values[id] = value
}

func TestAppraiseMemo(t *testing.T) {
	module := string(upstream.Read(t, "trustee/policies/as/ear_default_policy_cpu.rego"))
	e := NewEngine(nil)
	ctx := context.Background()
	rvs := &countingRVs{values: maps.Clone(sampleRVs)}
	appraise := func(input map[string]any) *Appraisal {
		t.Helper()
		got, err := e.Appraise(ctx, module, input, rvs.lookup)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	runs := func() uint64 { return evaluations(t, e, module, KindAppraisal) }

	first := appraise(sampleAppraisalInput())
	assertVector(t, first, vector(3, 2, 2))
	if runs() != 1 {
		t.Fatalf("evaluations = %d, want 1", runs())
	}

	// A repeat is answered without evaluating, after looking the
	// reference values up again; what the caller does to its copy does
	// not reach the next caller.
	lookups := rvs.lookups
	first.TrustVector["executables"] = 99
	assertVector(t, appraise(sampleAppraisalInput()), vector(3, 2, 2))
	if runs() != 1 {
		t.Fatalf("evaluations = %d after a repeat, want 1", runs())
	}
	if rvs.lookups == lookups {
		t.Fatal("a remembered appraisal was served without checking its reference values")
	}

	// Input the policy cannot read does not matter; input it reads does.
	unread := sampleAppraisalInput()
	unread["not_read_by_the_policy"] = "anything"
	assertVector(t, appraise(unread), vector(3, 2, 2))
	if runs() != 1 {
		t.Fatalf("evaluations = %d after unread input changed, want 1", runs())
	}
	debug := sampleAppraisalInput()
	debug["sample"].(map[string]any)["debug"] = true
	if got := appraise(debug); reflect.DeepEqual(got.TrustVector, vector(3, 2, 2)) {
		t.Fatal("an input the policy reads was answered from another input's result")
	}
	if runs() != 2 {
		t.Fatalf("evaluations = %d after read input changed, want 2", runs())
	}

	// A changed or removed reference value takes effect at once.
	rvs.set("minimum_minor_version", `5`)
	assertVector(t, appraise(sampleAppraisalInput()), vector(3, 97, 2))
	rvs.mu.Lock()
	delete(rvs.values, "launch_digest")
	rvs.mu.Unlock()
	assertVector(t, appraise(sampleAppraisalInput()), vector(33, 97, 2))
	if runs() != 4 {
		t.Fatalf("evaluations = %d after reference values changed, want 4", runs())
	}
	if evaluated, remembered := e.Decisions(KindAppraisal); evaluated != 4 || remembered != 2 {
		t.Fatalf("Decisions = %d evaluated, %d remembered; want 4 and 2", evaluated, remembered)
	}
}

func TestAppraiseMemoKeepsNoFailure(t *testing.T) {
	module := string(upstream.Read(t, "trustee/policies/as/ear_default_policy_cpu.rego"))
	e := NewEngine(nil)
	down := errors.New("rvps unreachable")
	failing := func(context.Context, string) (json.RawMessage, error) { return nil, down }
	if _, err := e.Appraise(context.Background(), module, sampleAppraisalInput(), failing); !errors.Is(err, down) {
		t.Fatalf("Appraise = %v, want the lookup error", err)
	}
	got, err := e.Appraise(context.Background(), module, sampleAppraisalInput(), staticRVs(sampleRVs))
	if err != nil {
		t.Fatal(err)
	}
	assertVector(t, got, vector(3, 2, 2))
	if n := evaluations(t, e, module, KindAppraisal); n != 2 {
		t.Fatalf("evaluations = %d, want 2: a failure must not be remembered", n)
	}
	// And a lookup failing on a repeat is not hidden by the memo.
	if _, err := e.Appraise(context.Background(), module, sampleAppraisalInput(), failing); !errors.Is(err, down) {
		t.Fatalf("repeat with a failing lookup = %v, want the lookup error", err)
	}
}

func TestAllowMemoKeysOnTheDataDocument(t *testing.T) {
	module := "package policy\n\nimport rego.v1\n\ndefault allow := false\n\n" +
		`allow if { data["resource-path"][0] == "a"; input.tee == "sample" }` + "\n"
	e := NewEngine(nil)
	ctx := context.Background()
	allow := func(tee, repo string) bool {
		t.Helper()
		ok, err := e.Allow(ctx, module, map[string]any{"tee": tee, "iat": 1}, map[string]any{
			"plugin": "resource", "resource-path": []any{repo, "key", "1"}, "query": map[string]any{},
		})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for range 2 {
		if !allow("sample", "a") || allow("sample", "b") || allow("tdx", "a") {
			t.Fatal("wrong decision")
		}
	}
	if n := evaluations(t, e, module, KindResource); n != 3 {
		t.Fatalf("evaluations = %d for 3 distinct requests made twice, want 3", n)
	}
}

func TestAppraiseMemoConcurrentReferenceValueChange(t *testing.T) {
	module := string(upstream.Read(t, "trustee/policies/as/ear_default_policy_cpu.rego"))
	e := NewEngine(nil)
	rvs := &countingRVs{values: maps.Clone(sampleRVs)}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if _, err := e.Appraise(context.Background(), module, sampleAppraisalInput(), rvs.lookup); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	rvs.set("minimum_minor_version", `5`)
	wg.Wait()
	got, err := e.Appraise(context.Background(), module, sampleAppraisalInput(), rvs.lookup)
	if err != nil {
		t.Fatal(err)
	}
	assertVector(t, got, vector(3, 97, 2))
}

// FuzzMemoKey checks that two inputs (and data documents) share a memo key
// only when they are the same document.
func FuzzMemoKey(f *testing.F) {
	f.Add([]byte(`{"a":1}`), []byte(`{"a":1.0}`), []byte(`{"p":["a"]}`), []byte(`{"p":["a"]}`))
	f.Add([]byte(`{"a":"x\u0000y"}`), []byte(`{"a":"x"}`), []byte(`{"p":"y"}`), []byte(`{}`))
	f.Add([]byte(`{"b":[1,2],"a":{}}`), []byte(`{"a":{},"b":[1,2]}`), []byte(`null`), []byte(`null`))
	f.Add([]byte(`"\""`), []byte(`"\\"`), []byte(`[]`), []byte(`{}`))
	f.Fuzz(func(t *testing.T, in1, in2, data1, data2 []byte) {
		values := make([]ast.Value, 4)
		for i, b := range [][]byte{in1, in2, data1, data2} {
			if !json.Valid(b) {
				return
			}
			v, err := ast.ValueFromReader(bytes.NewReader(b))
			if err != nil {
				return
			}
			values[i] = v
		}
		if memoKey(values[0], values[2]) == memoKey(values[1], values[3]) {
			if values[0].Compare(values[1]) != 0 || values[2].Compare(values[3]) != 0 {
				t.Fatalf("different documents share a key: %s %s / %s %s", in1, data1, in2, data2)
			}
		}
		if memoKey(values[0], nil) == memoKey(values[1], nil) && values[0].Compare(values[1]) != 0 {
			t.Fatalf("different inputs share a key: %s / %s", in1, in2)
		}
	})
}

// An input too large to be worth remembering (a whole event log, say) is
// evaluated every time rather than filling the memo.
func TestLargeInputIsNotRemembered(t *testing.T) {
	module := "package policy\n\nimport rego.v1\n\n" +
		`trust_claims := {"executables": 2} if count(input.log) > 0` + "\n"
	e := NewEngine(nil)
	small := map[string]any{"log": "x"}
	large := map[string]any{"log": strings.Repeat("x", maxMemoKey)}
	for _, input := range []map[string]any{small, small, large, large} {
		if _, err := e.Appraise(context.Background(), module, input, nil); err != nil {
			t.Fatal(err)
		}
	}
	if evaluated, remembered := e.Decisions(KindAppraisal); evaluated != 3 || remembered != 1 {
		t.Fatalf("Decisions = %d evaluated, %d remembered; want 3 and 1", evaluated, remembered)
	}
}
