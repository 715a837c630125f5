package nvidia_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/nvidia"
)

// TestUpstreamHopperClaims reproduces upstream's
// test_build_claims_for_one_hopper_device: the report verifies under
// chain case 1 with its nonce, and the claims equal
// hopperAttestationReport-claims.txt as JSON values (assert_json_eq).
func TestUpstreamHopperClaims(t *testing.T) {
	v := newVerifier(t, vectorRoot(t))
	d, err := v.VerifyDevice(context.Background(), vectorDevice(t, vectorReportBytes(t), upstream.Read(t, vectorChain)))
	if err != nil {
		t.Fatalf("VerifyDevice: %v", err)
	}
	if err := nvidia.ValidateNonce(d.Report, mustHex(t, vectorNonce)); err != nil {
		t.Fatalf("ValidateNonce: %v", err)
	}
	claims := nvidia.Claims(d)
	if got := claims[nvidia.ClaimOCSPStatus]; got != string(nvidia.OCSPNotChecked) {
		t.Errorf("%s = %v, want %q", nvidia.ClaimOCSPStatus, got, nvidia.OCSPNotChecked)
	}
	delete(claims, nvidia.ClaimOCSPStatus)

	var want, got any
	if err := json.Unmarshal(upstream.Read(t, vectorClaims), &want); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("claims differ from upstream\n got  %s\n want %s", b, upstream.Read(t, vectorClaims))
	}
}

// TestUpstreamChainCases are upstream's
// test_verify_certificate_chain_for_hopper outcomes.
func TestUpstreamChainCases(t *testing.T) {
	root := vectorRoot(t)
	for _, c := range []struct {
		file string
		want error
	}{
		{"hopper_cert_chain_case1.txt", nil},
		{"hopper_cert_chain_case2.txt", nvidia.ErrChainTooShort}, // only the root
		{"hopper_cert_chain_case3.txt", nvidia.ErrChainInvalid},  // an intermediate missing
		{"hopper_cert_chain_case4.txt", nvidia.ErrNoFWID},        // the signing certificate missing
	} {
		t.Run(c.file, func(t *testing.T) {
			chain, err := nvidia.ParseCertChain(upstream.Read(t, vectorDir+c.file))
			if err != nil {
				t.Fatal(err)
			}
			err = nvidia.VerifyChain(chain, root, vectorFWID, testNow)
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Errorf("VerifyChain = %v, want %v", err, c.want)
			}
		})
	}
}

// TestUpstreamSigningCertFWID is upstream's test_parse_fwid_from_certificate.
func TestUpstreamSigningCertFWID(t *testing.T) {
	chain, err := nvidia.ParseCertChain(upstream.Read(t, vectorSigning))
	if err != nil {
		t.Fatal(err)
	}
	fwid, err := nvidia.FWID(chain[0])
	if err != nil {
		t.Fatal(err)
	}
	if fwid != vectorFWID {
		t.Errorf("FWID = %s, want %s", fwid, vectorFWID)
	}
}

// TestUpstreamReportSignature is upstream's test_verify_report_signature:
// the report verifies under hopper_signing_cert.pem alone.
func TestUpstreamReportSignature(t *testing.T) {
	r, err := nvidia.ParseReport(vectorReportBytes(t), nvidia.HopperSignatureSize)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := nvidia.ParseCertChain(upstream.Read(t, vectorSigning))
	if err != nil {
		t.Fatal(err)
	}
	if err := nvidia.VerifySignature(r, signingKey(t, chain[0])); err != nil {
		t.Fatal(err)
	}
}
