package policy

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestEvaluationStopsWithContext(t *testing.T) {
	// Nine million iterations when input.heavy is set: far longer than a
	// cancelled evaluation may take.
	module := `package policy
import rego.v1
trust_claims := {"hardware": n} if {
	input.heavy
	n := count([1 | some i in numbers.range(1, 3000); some j in numbers.range(1, 3000); i != j]) % 100
}
`
	e := NewEngine(nil)
	if err := e.Check(context.Background(), module, KindAppraisal); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.Appraise(ctx, module, map[string]any{"heavy": true}, nil)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "eval_cancel_error") {
		t.Fatalf("Appraise = %v, want a cancelled evaluation", err)
	}
}
