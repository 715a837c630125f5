package policy

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/internal/trustee/rvps"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
)

func TestTermCacheAnswersTheTextItIsGiven(t *testing.T) {
	var c termCache
	first, err := c.term(json.RawMessage(`["abc"]`))
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.term(json.RawMessage(`["abc"]`))
	if err != nil || again != first {
		t.Fatalf("same text: %v, %v; want the cached term", again, err)
	}
	other, err := c.term(json.RawMessage(`["abd"]`))
	if err != nil || other.String() != `["abd"]` {
		t.Fatalf("other text: %v, %v", other, err)
	}
	for _, blank := range []string{"", " \n"} {
		if got, err := c.term(json.RawMessage(blank)); err != nil || got.String() != "null" {
			t.Fatalf("blank text %q: %v, %v; want null", blank, got, err)
		}
	}
	// Refused every time, not remembered as something else.
	for range 2 {
		if _, err := c.term(json.RawMessage(`1 2`)); err == nil {
			t.Fatal("two values accepted")
		}
	}
}

func TestTermCacheStaysWithinBudget(t *testing.T) {
	var c termCache
	value := json.RawMessage(`"` + strings.Repeat("a", maxCachedTermText-2) + `"`)
	for i := range 40 {
		value[1] = byte('a' + i%26)
		value[2] = byte('a' + i/26)
		if _, err := c.term(value); err != nil {
			t.Fatal(err)
		}
		if c.size > termCacheBudget {
			t.Fatalf("cache holds %d bytes, budget %d", c.size, termCacheBudget)
		}
	}
	huge := json.RawMessage(`"` + strings.Repeat("b", maxCachedTermText) + `"`)
	if got, err := c.term(huge); err != nil || len(got.String()) != len(huge) {
		t.Fatalf("value above the cache limit: %v", err)
	}
	if _, cached := c.terms[string(huge)]; cached {
		t.Fatal("value above the cache limit was cached")
	}
}

// An appraisal reads reference values through a real RVPS: a value
// registered again, or rewritten in the store as another replica would,
// is what the next appraisal sees.
func TestAppraiseSeesReferenceValuesChangeInRVPS(t *testing.T) {
	module := string(upstream.Read(t, "trustee/policies/as/ear_default_policy_cpu.rego"))
	store := storage.NewMemory()
	t.Cleanup(func() { store.Close() })
	service := rvps.New(store, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	register := func(values string) {
		t.Helper()
		message := `{"type":"sample","payload":"` + base64.StdEncoding.EncodeToString([]byte(values)) + `"}`
		if err := service.Register(ctx, []byte(message)); err != nil {
			t.Fatal(err)
		}
	}
	e := NewEngine(nil)
	appraise := func(want map[string]int) {
		t.Helper()
		got, err := e.Appraise(ctx, module, sampleAppraisalInput(), service.Query)
		if err != nil {
			t.Fatal(err)
		}
		assertVector(t, got, want)
	}

	register(`{"launch_digest": ["abcde"], "svn": ["1"], "major_version": 1, "minimum_minor_version": 4}`)
	appraise(vector(3, 2, 2))
	register(`{"svn": ["2"]}`)
	appraise(vector(3, 97, 2))
	rewritten := `{"version":"0.1.0","name":"svn","expiration":"2099-01-01T00:00:00Z","value":["1"]}`
	if err := store.Set(ctx, storage.NamespaceReferenceValue, "svn", []byte(rewritten), true); err != nil {
		t.Fatal(err)
	}
	appraise(vector(3, 2, 2))
	expired := `{"version":"0.1.0","name":"svn","expiration":"2000-01-01T00:00:00Z","value":["1"]}`
	if err := store.Set(ctx, storage.NamespaceReferenceValue, "svn", []byte(expired), true); err != nil {
		t.Fatal(err)
	}
	appraise(vector(3, 97, 2))
}
