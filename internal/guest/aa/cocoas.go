package aa

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cocoon-cc/cocoon/internal/guest/attester"
)

// cocoASTimeout bounds the request, as upstream's HTTP client timeout.
const cocoASTimeout = 60 * time.Second

// maxCoCoASAnswer bounds the token read from the attestation service.
const maxCoCoASAnswer = 1 << 20

type cocoASRequest struct {
	VerificationRequests []verificationRequest `json:"verification_requests"`
	PolicyIDs            []string              `json:"policy_ids"`
}

type verificationRequest struct {
	Tee      string `json:"tee"`
	Evidence string `json:"evidence"`
}

// cocoASToken asks a CoCo Attestation Service for a token as upstream's
// coco_as token getter does: evidence over empty report data (so neither
// a nonce nor init-data is bound), POST {url}/attestation, and the 200
// body is the token. It is not cached.
func cocoASToken(ctx context.Context, baseURL string, tee attester.Attester) ([]byte, error) {
	evidence, err := tee.Evidence(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("aa: coco_as evidence: %w", err)
	}
	body, err := json.Marshal(cocoASRequest{
		VerificationRequests: []verificationRequest{{
			Tee:      string(tee.Tee()),
			Evidence: base64.RawURLEncoding.EncodeToString(evidence),
		}},
		PolicyIDs: []string{},
	})
	if err != nil {
		return nil, fmt.Errorf("aa: coco_as request: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, cocoASTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(baseURL, "/")+"/attestation", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("aa: coco_as request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("aa: coco_as: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxCoCoASAnswer))
	if err != nil {
		return nil, fmt.Errorf("aa: coco_as answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("aa: coco_as refused the evidence: HTTP %d", resp.StatusCode)
	}
	return answer, nil
}
