// Package attestertest is the conformance suite every attester runs, and
// Measured, a fake TEE with software registers for runtime-measurement
// tests.
package attestertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/internal/guest/eventlog"
)

// Suite describes the attester under test.
type Suite struct {
	// New returns a fresh attester.
	New func(t *testing.T) attester.Attester
	// CheckBinding verifies, as Trustee's verifier of this TEE would, that
	// evidence carries reportData. It must fail for other report data.
	CheckBinding func(evidence json.RawMessage, reportData []byte) error
}

// reportDataSizes are the runtime-data digests a KBS can select.
var reportDataSizes = []int{32, 48, 64}

// Run checks the attester contract.
func Run(t *testing.T, s Suite) {
	t.Run("Tee", func(t *testing.T) {
		if tee := s.New(t).Tee(); !tee.Valid() {
			t.Fatalf("Tee() = %q, not a kbs-types TEE name", tee)
		}
	})
	t.Run("EvidenceBindsReportData", func(t *testing.T) { testBinding(t, s) })
	t.Run("ConcurrentEvidence", func(t *testing.T) { testConcurrentEvidence(t, s) })
	t.Run("BindInitData", func(t *testing.T) { testBindInitData(t, s) })
	t.Run("RuntimeMeasurement", func(t *testing.T) { testRuntimeMeasurement(t, s) })
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func testBinding(t *testing.T, s Suite) {
	a := s.New(t)
	for _, n := range reportDataSizes {
		rd := randomBytes(t, n)
		ev, err := a.Evidence(t.Context(), rd)
		if err != nil {
			t.Fatalf("Evidence(%d bytes): %v", n, err)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(ev, &obj); err != nil {
			t.Fatalf("evidence is not a JSON object: %v", err)
		}
		if err := s.CheckBinding(ev, rd); err != nil {
			t.Fatalf("evidence does not carry its %d-byte report data: %v", n, err)
		}
		other := bytes.Clone(rd)
		other[0] ^= 1
		if err := s.CheckBinding(ev, other); err == nil {
			t.Fatalf("evidence of one report data also passes for another")
		}
	}
}

func testConcurrentEvidence(t *testing.T, s Suite) {
	a := s.New(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		rd := randomBytes(t, 48)
		wg.Go(func() {
			ev, err := a.Evidence(context.Background(), rd)
			if err == nil {
				err = s.CheckBinding(ev, rd)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// testBindInitData only checks what holds on every TEE: a digest that
// cannot be this guest's (all ones) is refused or unsupported, never
// accepted.
func testBindInitData(t *testing.T, s Suite) {
	digest := bytes.Repeat([]byte{0xff}, 32)
	err := s.New(t).BindInitData(t.Context(), digest)
	if err == nil {
		t.Fatalf("BindInitData accepted an all-ones digest no guest is launched with")
	}
}

func testRuntimeMeasurement(t *testing.T, s Suite) {
	a := s.New(t)
	digest := randomBytes(t, 32)
	if !a.SupportsRuntimeMeasurement() {
		err := a.ExtendRuntimeMeasurement(t.Context(), digest, eventlog.DefaultInitPCR)
		if !errors.Is(err, attester.ErrUnsupported) {
			t.Fatalf("ExtendRuntimeMeasurement without support = %v, want ErrUnsupported", err)
		}
		return
	}
	reg, ok := a.(eventlog.Register)
	if !ok {
		t.Fatalf("%T supports runtime measurement but does not implement eventlog.Register", a)
	}
	alg := reg.CCELHashAlgorithm()
	empty, err := alg.Sum(nil)
	if err != nil {
		t.Fatalf("CCELHashAlgorithm %q: %v", alg, err)
	}
	digest = randomBytes(t, len(empty))
	before, err := reg.RuntimeMeasurement(t.Context(), eventlog.DefaultInitPCR)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.ExtendRuntimeMeasurement(t.Context(), digest, eventlog.DefaultInitPCR); err != nil {
		t.Fatal(err)
	}
	after, err := reg.RuntimeMeasurement(t.Context(), eventlog.DefaultInitPCR)
	if err != nil {
		t.Fatal(err)
	}
	want, err := alg.Sum(append(bytes.Clone(before), digest...))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(after, want) {
		t.Fatalf("register after extend = %x, want H(before||digest) = %x", after, want)
	}
}
