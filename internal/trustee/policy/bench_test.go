package policy

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

// The benchmarks come in pairs: "repeat" asks the same question every
// time (answered from the memo), "fresh" changes what the policy reads in
// every iteration, so each one evaluates.

func BenchmarkAppraiseDefaultCPU(b *testing.B) {
	module := string(upstream.Read(b, "trustee/policies/as/ear_default_policy_cpu.rego"))
	for _, fresh := range []bool{false, true} {
		b.Run(map[bool]string{false: "repeat", true: "fresh"}[fresh], func(b *testing.B) {
			e := NewEngine(nil)
			ctx := context.Background()
			input := sampleAppraisalInput()
			n := 0
			rv := func(ctx context.Context, id string) (json.RawMessage, error) {
				if fresh && id == "launch_digest" {
					// Another acceptable digest each time: same verdict.
					return json.RawMessage(`["abcde","` + strconv.Itoa(n) + `"]`), nil
				}
				return staticRVs(sampleRVs)(ctx, id)
			}
			b.ReportAllocs()
			for b.Loop() {
				n++
				got, err := e.Appraise(ctx, module, input, rv)
				if err != nil {
					b.Fatal(err)
				}
				if got.TrustVector["hardware"] != 2 {
					b.Fatalf("trust vector %v", got.TrustVector)
				}
			}
		})
	}
}

func BenchmarkAllowDefault(b *testing.B) {
	module := string(upstream.Read(b, "trustee/policies/kbs/default.rego"))
	for _, fresh := range []bool{false, true} {
		b.Run(map[bool]string{false: "repeat", true: "fresh"}[fresh], func(b *testing.B) {
			e := NewEngine(nil)
			ctx := context.Background()
			input := tokenClaims("snp", map[string]any{"measurement": "00"}, "affirming")
			data := resourceData("resource", "default", "key", "1")
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				if fresh {
					n++
					data["query"] = map[string]any{"n": strconv.Itoa(n)}
				}
				ok, err := e.Allow(ctx, module, input, data)
				if err != nil || !ok {
					b.Fatalf("Allow = %v, %v", ok, err)
				}
			}
		})
	}
}
