package aa

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	pb "github.com/cocoon-cc/cocoon/api/attestation-agent"
	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/tee/sample"
	"google.golang.org/grpc/codes"
)

// TestCoCoASToken checks the request upstream's coco_as getter sends and
// that the answer's body is the token.
func TestCoCoASToken(t *testing.T) {
	var got cocoASRequest
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/attestation" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "wrong request", http.StatusBadRequest)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte("header.claims.signature"))
	}))
	defer srv.Close()
	cfg := DefaultConfig()
	cfg.TokenConfigs.CoCoAS = &CoCoASConfig{URL: srv.URL}
	c := client(t, serve(t, newAgent(t, Options{Config: cfg, Primary: attester.Sample{}})))

	answer, err := c.GetToken(t.Context(), &pb.GetTokenRequest{TokenType: "coco_as"})
	if err != nil {
		t.Fatal(err)
	}
	if string(answer.GetToken()) != "header.claims.signature" {
		t.Fatalf("token = %q", answer.GetToken())
	}
	if len(got.VerificationRequests) != 1 || got.PolicyIDs == nil || len(got.PolicyIDs) != 0 {
		t.Fatalf("request %+v", got)
	}
	vr := got.VerificationRequests[0]
	evidence, err := base64.RawURLEncoding.DecodeString(vr.Evidence)
	if err != nil || vr.Tee != "sample" {
		t.Fatalf("verification request %+v: %v", vr, err)
	}
	ev, err := sample.ParseEvidence(evidence)
	if err != nil || ev.ReportData != "" {
		t.Fatalf("evidence %s over non-empty report data: %v", evidence, err)
	}

	status = http.StatusUnauthorized
	_, err = c.GetToken(t.Context(), &pb.GetTokenRequest{TokenType: "coco_as"})
	wantStatus(t, err, codes.Internal, "[ERROR:attestation-agent] AA-KBC get token failed")
}
