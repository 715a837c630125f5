package policy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// Sentinel errors callers branch on.
var (
	// ErrInvalidPolicy wraps compile errors; its message carries OPA's
	// line:col positions.
	ErrInvalidPolicy = errors.New("invalid policy")
	// ErrNotBoolean reports a resource policy whose allow rule is missing,
	// undefined or not a boolean; the request is then denied.
	ErrNotBoolean = errors.New("policy allow is not a boolean")
	// ErrInvalidResult reports an appraisal policy whose trust_claims or
	// extensions do not have the shape an EAR appraisal needs.
	ErrInvalidResult = errors.New("invalid appraisal policy result")
)

// Kind selects the rule a policy must provide.
type Kind int

const (
	// KindAppraisal is an Attestation Service policy: data.policy.trust_claims
	// and data.policy.extensions.
	KindAppraisal Kind = iota
	// KindResource is a KBS resource policy: data.policy.allow.
	KindResource
)

func (k Kind) String() string {
	switch k {
	case KindAppraisal:
		return "appraisal"
	case KindResource:
		return "resource"
	default:
		return fmt.Sprintf("Kind(%d)", int(k))
	}
}

const (
	// cacheSize bounds the compiled policies kept: a handful of policy ids
	// each with a few recent texts.
	cacheSize = 128
	// defaultEvalTimeout caps an evaluation whose ctx has no deadline, so a
	// runaway uploaded policy cannot hold a request forever. It matches
	// upstream's 10 s RVPS query timeout.
	defaultEvalTimeout = 10 * time.Second
)

// Engine compiles, caches and evaluates policies. It is safe for concurrent
// use.
type Engine struct {
	logger *slog.Logger
	cache  *preparedCache
	// store serves the per-call data document (see dataStore).
	store storage.Store
	// rvTerms holds reference values already converted to OPA terms.
	rvTerms termCache
	// decisions counts, per Kind, the decisions OPA evaluated and those
	// the memo answered.
	decisions [2]struct{ evaluated, remembered atomic.Uint64 }
}

// Decisions reports how many decisions of kind OPA evaluated and how many
// were answered from the memo of remembered results (see memo.go).
func (e *Engine) Decisions(kind Kind) (evaluated, remembered uint64) {
	d := &e.decisions[kind]
	return d.evaluated.Load(), d.remembered.Load()
}

// NewEngine returns an Engine logging to logger (slog.Default() if nil).
func NewEngine(logger *slog.Logger) *Engine {
	if logger == nil {
		logger = slog.Default()
	}
	return &Engine{
		logger: logger,
		cache:  newPreparedCache(cacheSize),
		store:  dataStore{Store: inmem.New()},
	}
}

// Check compiles module and evaluates it once against a sample input, so a
// broken policy is refused at upload.
func (e *Engine) Check(ctx context.Context, module string, kind Kind) error {
	switch kind {
	case KindAppraisal:
		_, err := e.Appraise(ctx, module, sampleAppraisalInput(), nil)
		return err
	case KindResource:
		_, err := e.Allow(ctx, module, sampleTokenClaims(), sampleResourceData())
		if errors.Is(err, ErrNotBoolean) {
			// A resource policy may leave allow undefined for some inputs
			// (that denies); only a non-boolean value is a broken policy.
			var nb *notBooleanError
			if errors.As(err, &nb) && nb.undefined {
				return nil
			}
		}
		return err
	default:
		return fmt.Errorf("policy: unknown kind %v", kind)
	}
}

// withEvalTimeout bounds ctx by defaultEvalTimeout unless it already has a
// deadline.
func withEvalTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, defaultEvalTimeout)
}

// evalError wraps an evaluation failure, naming the context's error when
// the evaluation was cancelled so callers can tell a timeout apart.
func evalError(ctx context.Context, what string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("policy: evaluate %s: %w (%w)", what, ctxErr, err)
	}
	return fmt.Errorf("policy: evaluate %s: %w", what, err)
}
