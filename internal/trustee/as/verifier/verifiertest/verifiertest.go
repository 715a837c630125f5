// Package verifiertest is the conformance suite every verifier.Verifier
// runs: good evidence verifies, evidence bound to other report data is
// refused, and garbage is refused with an error rather than a panic.
package verifiertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
)

// Case is a verifier under test and one piece of evidence known to be good.
type Case struct {
	Verifier verifier.Verifier
	// Evidence is good evidence bound to Expected.
	Evidence json.RawMessage
	// Expected is what Evidence is bound to; ReportData must not be empty.
	Expected verifier.Expected
	// Classes are the classes of the claim sets Evidence yields, in order.
	Classes []verifier.Class
}

// Run runs the conformance suite against c.
func Run(t *testing.T, c Case) {
	t.Helper()
	if c.Verifier == nil || len(c.Evidence) == 0 || len(c.Expected.ReportData) == 0 || len(c.Classes) == 0 {
		t.Fatal("verifiertest: Case needs a Verifier, Evidence, Expected.ReportData and Classes")
	}
	t.Run("GoodEvidenceVerifies", func(t *testing.T) { goodEvidenceVerifies(t, c) })
	t.Run("ReportDataMismatchRefused", func(t *testing.T) { reportDataMismatchRefused(t, c) })
	t.Run("GarbageRefused", func(t *testing.T) { garbageRefused(t, c) })
	t.Run("TruncatedEvidenceDoesNotPanic", func(t *testing.T) { truncatedEvidenceDoesNotPanic(t, c) })
	t.Run("ConcurrentVerify", func(t *testing.T) { concurrentVerify(t, c) })
}

func goodEvidenceVerifies(t *testing.T, c Case) {
	sets, err := verify(c.Verifier, c.Evidence, c.Expected)
	if err != nil {
		t.Fatalf("good evidence refused: %v", err)
	}
	if err := checkClaimSets(sets, c.Classes); err != nil {
		t.Fatal(err)
	}
}

// checkClaimSets checks what the Attestation Service relies on: the
// expected classes, JSON-encodable claims, and string report/init data.
func checkClaimSets(sets []verifier.ClaimSet, classes []verifier.Class) error {
	if len(sets) != len(classes) {
		return fmt.Errorf("got %d claim sets, want %d", len(sets), len(classes))
	}
	for i, set := range sets {
		if set.Class != classes[i] {
			return fmt.Errorf("claim set %d: class %q, want %q", i, set.Class, classes[i])
		}
		if set.Claims == nil {
			return fmt.Errorf("claim set %d: nil claims", i)
		}
		if _, err := json.Marshal(set.Claims); err != nil {
			return fmt.Errorf("claim set %d: claims do not encode as JSON: %w", i, err)
		}
		for _, key := range []string{"report_data", "init_data"} {
			if v, ok := set.Claims[key]; ok {
				if _, isString := v.(string); !isString {
					return fmt.Errorf("claim set %d: %s is %T, want a string", i, key, v)
				}
			}
		}
	}
	return nil
}

// reportDataMismatchRefused changes the leading bytes only: TEEs with a
// short report field (TPM, NVIDIA) compare a truncated digest by design.
func reportDataMismatchRefused(t *testing.T, c Case) {
	rd := c.Expected.ReportData
	allFlipped := bytes.Clone(rd)
	for i := range allFlipped {
		allFlipped[i] ^= 0xff
	}
	firstFlipped := bytes.Clone(rd)
	firstFlipped[0] ^= 0x01
	variants := []struct {
		name       string
		reportData []byte
	}{
		{"first byte flipped", firstFlipped},
		{"every byte flipped", allFlipped},
		{"missing", nil},
	}
	for _, v := range variants {
		expected := c.Expected
		expected.ReportData = v.reportData
		if _, err := verify(c.Verifier, c.Evidence, expected); err == nil {
			t.Errorf("%s: evidence verified against other report data", v.name)
		}
	}
}

func garbageRefused(t *testing.T, c Case) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 512)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	garbage := []string{
		"", "null", "{}", "[]", "0", "-1", "true", `""`, `"x"`, "{", "}", `{"`, `{"a":`,
		`[{}]`, `{"a":null}`, "\x00", string(random),
		string(c.Evidence[:len(c.Evidence)/2]),
		string(c.Evidence) + "}",
		"[" + string(c.Evidence) + "]",
	}
	for _, g := range garbage {
		if _, err := verify(c.Verifier, json.RawMessage(g), c.Expected); err == nil {
			t.Errorf("garbage %.40q verified", g)
		}
	}
}

// truncatedEvidenceDoesNotPanic feeds prefixes of the good evidence; a
// prefix may even verify (trailing whitespace), but it must never panic.
func truncatedEvidenceDoesNotPanic(t *testing.T, c Case) {
	step := max(1, len(c.Evidence)/2048)
	for n := 0; n < len(c.Evidence); n += step {
		_, _ = verify(c.Verifier, c.Evidence[:n], c.Expected)
	}
}

// concurrentVerify lets the race detector see verifiers that share state.
func concurrentVerify(t *testing.T, c Case) {
	const workers = 4
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			if _, err := verify(c.Verifier, c.Evidence, c.Expected); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent verify: %v", err)
	}
}

func verify(v verifier.Verifier, evidence json.RawMessage, expected verifier.Expected) ([]verifier.ClaimSet, error) {
	// A clone, so that a verifier keeping or altering its input shows up.
	return v.Verify(context.Background(), bytes.Clone(evidence), expected)
}
