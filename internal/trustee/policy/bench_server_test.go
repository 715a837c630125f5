package policy

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/rvps"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/tee/sample"
)

// BenchmarkAppraiseServerSample is the appraisal the Attestation Service
// makes per sample-TEE attestation: our default CPU policy, the input
// arranged as the AS arranges verified claims, and reference values read
// from a real RVPS over the in-memory store.
func BenchmarkAppraiseServerSample(b *testing.B) {
	module, err := os.ReadFile("../as/policies/default_cpu.rego")
	if err != nil {
		b.Fatal(err)
	}
	e := NewEngine(slog.New(slog.DiscardHandler))
	ctx := context.Background()
	lookup := sampleRVPS(b)
	input := serverSampleInput(b)
	b.ReportAllocs()
	for b.Loop() {
		got, err := e.Appraise(ctx, string(module), input, lookup)
		if err != nil {
			b.Fatal(err)
		}
		if got.TrustVector["hardware"] != 2 || got.TrustVector["executables"] != 3 {
			b.Fatalf("trust vector %v", got.TrustVector)
		}
	}
}

// sampleRVPS registers sampleRVs the way kbs-client does and returns the
// RVPS lookup the AS is wired to.
func sampleRVPS(b *testing.B) RVLookup {
	store := storage.NewMemory()
	b.Cleanup(func() { store.Close() })
	service := rvps.New(store, slog.New(slog.DiscardHandler))
	// sampleRVs holds JSON texts; the payload maps names to those values.
	values := make(map[string]json.RawMessage, len(sampleRVs))
	for name, value := range sampleRVs {
		values[name] = json.RawMessage(value)
	}
	payload, err := json.Marshal(values)
	if err != nil {
		b.Fatal(err)
	}
	message := `{"version":"0.1.0","type":"sample","payload":"` + base64.StdEncoding.EncodeToString(payload) + `"}`
	if err := service.Register(context.Background(), []byte(message)); err != nil {
		b.Fatal(err)
	}
	return service.Query
}

// serverSampleInput is the policy input the AS builds from sample evidence
// bound to a nonce and an EC public key (see as.policyInput).
func serverSampleInput(b *testing.B) map[string]any {
	runtimeData := `{"nonce":"VHlwaWNhbGx5IGEgMzItYnl0ZSBub25jZSBmcm9tIEtCUw==","tee-pubkey":{"kty":"EC","crv":"P-256","alg":"ES256",` +
		`"x":"WKn-ZIGevcwGIyyrzFoZNBdaq9_TsqzGl96oc0CWuis","y":"y77t-RvAHRKTsSGdIYUfweuOvwrvDD-Q3Hv5J0fSKbE"}}`
	digest := sha512.Sum384([]byte(runtimeData))
	claims, err := sample.Verify(sample.NewEvidence(sample.CPUSVN, digest[:]), digest[:], nil)
	if err != nil {
		b.Fatal(err)
	}
	var runtimeDataClaims map[string]any
	dec := json.NewDecoder(strings.NewReader(runtimeData))
	dec.UseNumber()
	if err := dec.Decode(&runtimeDataClaims); err != nil {
		b.Fatal(err)
	}
	reportData := claims["report_data"]
	delete(claims, "report_data")
	return map[string]any{
		"sample":              claims,
		"report_data":         reportData,
		"runtime_data_claims": runtimeDataClaims,
	}
}
