package policy

import (
	"context"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

func BenchmarkAppraiseDefaultCPU(b *testing.B) {
	module := string(upstream.Read(b, "trustee/policies/as/ear_default_policy_cpu.rego"))
	e := NewEngine(nil)
	ctx := context.Background()
	rv := staticRVs(sampleRVs)
	input := sampleAppraisalInput()
	b.ReportAllocs()
	for b.Loop() {
		got, err := e.Appraise(ctx, module, input, rv)
		if err != nil {
			b.Fatal(err)
		}
		if got.TrustVector["hardware"] != 2 {
			b.Fatalf("trust vector %v", got.TrustVector)
		}
	}
}

func BenchmarkAllowDefault(b *testing.B) {
	module := string(upstream.Read(b, "trustee/policies/kbs/default.rego"))
	e := NewEngine(nil)
	ctx := context.Background()
	input := tokenClaims("snp", map[string]any{"measurement": "00"}, "affirming")
	data := resourceData("resource", "default", "key", "1")
	b.ReportAllocs()
	for b.Loop() {
		ok, err := e.Allow(ctx, module, input, data)
		if err != nil || !ok {
			b.Fatalf("Allow = %v, %v", ok, err)
		}
	}
}
