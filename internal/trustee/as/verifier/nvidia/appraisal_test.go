package nvidia

import (
	"context"
	"crypto"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/internal/trustee/as"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/sample"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/verifiertest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/nvidia"
	"github.com/cocoon-cc/cocoon/tee/nvidia/nvidiatest"
	tsample "github.com/cocoon-cc/cocoon/tee/sample"
)

// goodResponder answers every OCSP request for dev's CA with "good".
func goodResponder(t *testing.T, dev *nvidiatest.Device) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		resp, err := ocsp.CreateResponse(dev.Root, dev.Root, ocsp.Response{
			Status: ocsp.Good, SerialNumber: dev.CA.SerialNumber, IssuerHash: crypto.SHA384,
			ThisUpdate: testNow.Add(-time.Hour), NextUpdate: testNow.Add(time.Hour),
		}, dev.RootKey)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestGPUAppraisal runs a sample CPU with a Hopper GPU as additional
// evidence through the Attestation Service: the GPU becomes gpu0,
// appraised by our default GPU policy, and upstream's default GPU policy
// gives the same vector for the same input. That vector is upstream's
// for a locally verified GPU: its policy reads only the claims of
// NVIDIA's remote service, so a local verification is not recognised
// (hardware 97, executables 33, configuration 36) — with OCSP unchecked
// and, since ocsp_status is not at the remote service's path, with OCSP
// good too.
func TestGPUAppraisal(t *testing.T) {
	ctx := context.Background()
	dev := nvidiatest.NewDevice(t, vectorFWID)
	root, err := nvidia.ParseRoot(dev.RootPEM())
	if err != nil {
		t.Fatal(err)
	}
	pubKey := kbs.TeePubKey{Kty: "EC", Alg: kbs.AlgECDHESA256KW, Crv: "P-256", X: "AAAA", Y: "BBBB"}
	const challenge = "bm9uY2U="
	deviceRuntimeData := kbs.DeviceRuntimeData(challenge, pubKey)
	deviceDigest, err := kbs.RuntimeDataDigest(kbs.SHA384, deviceRuntimeData)
	if err != nil {
		t.Fatal(err)
	}
	gpuEvidence := dev.Evidence(t, "GPU-0001", dev.Sign(t, reportBytes(t), deviceDigest))
	additional, err := json.Marshal(map[string]json.RawMessage{"nvidia": gpuEvidence})
	if err != nil {
		t.Fatal(err)
	}
	primaryRuntimeData := kbs.PrimaryRuntimeData(challenge, pubKey, string(additional))
	primaryDigest, err := kbs.RuntimeDataDigest(kbs.SHA384, primaryRuntimeData)
	if err != nil {
		t.Fatal(err)
	}
	requests := []as.VerificationRequest{
		{Tee: kbs.TeeSample, Evidence: tsample.NewEvidence(tsample.CPUSVN, primaryDigest), RuntimeData: primaryRuntimeData},
		{Tee: kbs.TeeNvidia, Evidence: gpuEvidence, RuntimeData: deviceRuntimeData},
	}
	rvs := map[string]string{"allowed_vbios_versions": `["96.00.9f.00.01"]`, "allowed_driver_versions": `["550.90.07"]`}
	upstreamPolicy := string(upstream.Read(t, "trustee/policies/as/ear_default_policy_gpu.rego"))
	notRecognised := map[string]int{"executables": 33, "hardware": 97, "configuration": 36,
		"file-system": 0, "instance-identity": 0, "runtime-opaque": 0, "storage-opaque": 0, "sourced-data": 0}

	for _, c := range []struct {
		name string
		opts Options
		ocsp nvidia.OCSPStatus
	}{
		{"OCSP not checked", Options{Root: root, Now: fixedNow}, nvidia.OCSPNotChecked},
		{"OCSP good", Options{Root: root, Now: fixedNow, OCSP: true, OCSPURL: goodResponder(t, dev).URL}, nvidia.OCSPGood},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := New(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			svc := verifiertest.NewService(t, map[kbs.Tee]verifier.Verifier{kbs.TeeSample: sample.CPU{}, kbs.TeeNvidia: v}, rvs)
			if _, err := svc.Evaluate(ctx, requests, nil); err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			submods := svc.Issuer.Submodules()
			if len(submods) != 2 {
				t.Fatalf("submodules %v, want cpu0 and gpu0", submods)
			}
			gpu0, ok := submods["gpu0"]
			if !ok {
				t.Fatalf("no gpu0 in %v", submods)
			}
			claims, ok := gpu0.AnnotatedEvidence["nvidia"].(map[string]any)
			if !ok {
				t.Fatalf("gpu0 annotated evidence %v has no nvidia claims", gpu0.AnnotatedEvidence)
			}
			config, _ := claims["config"].(map[string]any)
			if claims["arch"] != "Hopper" || claims["uuid"] != "GPU-0001" || config["vbios_version"] != "96.00.9f.00.01" ||
				claims[nvidia.ClaimOCSPStatus] != string(c.ocsp) {
				t.Errorf("gpu0 claims: arch %v uuid %v vbios %v ocsp %v", claims["arch"], claims["uuid"], config["vbios_version"], claims[nvidia.ClaimOCSPStatus])
			}
			svc.CheckAppraisal(t, gpu0, notRecognised, "contraindicated", upstreamPolicy)
		})
	}
}
