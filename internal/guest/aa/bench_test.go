package aa

import (
	"bytes"
	"testing"

	pb "github.com/cocoon-cc/cocoon/api/attestation-agent"
	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

// BenchmarkGetEvidenceTTRPC is one sample GetEvidence round trip through
// the unix socket, the path CDH and kata-agent take.
func BenchmarkGetEvidenceTTRPC(b *testing.B) {
	c := client(b, serve(b, newAgent(b, Options{Primary: attester.Sample{}})))
	req := &pb.GetEvidenceRequest{RuntimeData: bytes.Repeat([]byte{7}, 48)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetEvidence(b.Context(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetTokenCachedTTRPC is GetToken("kbs") once a token is cached:
// what every CDH resource fetch costs the agent.
func BenchmarkGetTokenCachedTTRPC(b *testing.B) {
	tr := trusteetest.New(b, trusteetest.WithSampleTEE())
	c := client(b, serve(b, newAgent(b, Options{Config: kbsConfig(tr.URL, ""), Primary: attester.Sample{}})))
	req := &pb.GetTokenRequest{TokenType: "kbs"}
	if _, err := c.GetToken(b.Context(), req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetToken(b.Context(), req); err != nil {
			b.Fatal(err)
		}
	}
}
