package nvidia_test

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/nvidia"
)

// Upstream's Hopper vector (trustee deps/verifier/test_data/nvidia).
const (
	vectorDir     = "trustee/verifier/nvidia/"
	vectorReport  = vectorDir + "hopperAttestationReport.txt"
	vectorClaims  = vectorDir + "hopperAttestationReport-claims.txt"
	vectorChain   = vectorDir + "hopper_cert_chain_case1.txt"
	vectorSigning = vectorDir + "hopper_signing_cert.pem"
	vectorNonce   = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"
	vectorUUID    = "1111-2222-33333-444444-555555"
	vectorFWID    = "f5c384aebb579217a2c66b17ed0f28e6a9b8d639041acd7b4721cec004f7275494ba94bb5cdfdb3055ee051762b1f75d"
)

// testNow is a time inside every certificate's validity in the vectors.
var testNow = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// vectorReportBytes is the report decoded from upstream's hex file.
func vectorReportBytes(t testing.TB) []byte {
	t.Helper()
	return mustHex(t, strings.TrimSpace(string(upstream.Read(t, vectorReport))))
}

// vectorRoot is the root that ends upstream's valid chain (case 1): the
// NVIDIA Device Identity CA, read in place.
func vectorRoot(t testing.TB) *nvidia.Root {
	t.Helper()
	chain, err := nvidia.ParseCertChain(upstream.Read(t, vectorChain))
	if err != nil {
		t.Fatal(err)
	}
	return nvidia.NewRoot(chain[len(chain)-1])
}

// vectorDevice is the device entry upstream's test_evaluation builds.
func vectorDevice(t testing.TB, report []byte, chainPEM []byte) nvidia.DeviceEvidence {
	t.Helper()
	return nvidia.DeviceEvidence{
		Arch:        nvidia.ArchHopper,
		UUID:        vectorUUID,
		Evidence:    hex.EncodeToString(report),
		Certificate: base64.StdEncoding.EncodeToString(chainPEM),
	}
}

func newVerifier(t testing.TB, root *nvidia.Root) *nvidia.Verifier {
	t.Helper()
	v, err := nvidia.NewVerifier(nvidia.VerifierOptions{Root: root, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func signingKey(t testing.TB, c *x509.Certificate) *ecdsa.PublicKey {
	t.Helper()
	pub, ok := c.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		t.Fatalf("signing key is %T", c.PublicKey)
	}
	return pub
}

func pemEncode(w io.Writer, blocks ...*pem.Block) error {
	for _, b := range blocks {
		if err := pem.Encode(w, b); err != nil {
			return err
		}
	}
	return nil
}

// vectorEvidenceJSON is upstream's vector as an attester sends it.
func vectorEvidenceJSON(t testing.TB) []byte {
	t.Helper()
	d := vectorDevice(t, vectorReportBytes(t), upstream.Read(t, vectorChain))
	b, err := json.Marshal(map[string]any{"device_evidence_list": []map[string]string{{
		"arch": "HOPPER", "uuid": d.UUID, "evidence": d.Evidence, "certificate": d.Certificate,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
