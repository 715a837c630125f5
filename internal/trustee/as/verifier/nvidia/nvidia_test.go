package nvidia

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/verifiertest"
	"github.com/cocoon-cc/cocoon/tee/nvidia"
	"github.com/cocoon-cc/cocoon/tee/nvidia/nvidiatest"
)

// Upstream's Hopper vector (trustee deps/verifier/test_data/nvidia).
const (
	vectorReport = "trustee/verifier/nvidia/hopperAttestationReport.txt"
	vectorChain  = "trustee/verifier/nvidia/hopper_cert_chain_case1.txt"
	vectorNonce  = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"
	vectorFWID   = "f5c384aebb579217a2c66b17ed0f28e6a9b8d639041acd7b4721cec004f7275494ba94bb5cdfdb3055ee051762b1f75d"
)

// testNow lies inside the validity of every certificate used here.
var testNow = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }

func reportBytes(t testing.TB) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimSpace(string(upstream.Read(t, vectorReport))))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// nvidiaRootPEM is the root that ends upstream's valid chain, the NVIDIA
// Device Identity CA, cut from the chain file read in place.
func nvidiaRootPEM(t testing.TB) []byte {
	t.Helper()
	chain := string(upstream.Read(t, vectorChain))
	const begin = "-----BEGIN CERTIFICATE-----"
	return []byte(chain[strings.LastIndex(chain, begin):])
}

func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func evidenceJSON(t testing.TB, devices ...map[string]string) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(map[string]any{"device_evidence_list": devices})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestConformanceUpstreamVector: upstream's report is bound to its nonce,
// which no runtime data hashes to, so the nonce itself is the expected
// report data. The root comes from root_ca_path, as in production.
func TestConformanceUpstreamVector(t *testing.T) {
	v, err := New(Options{RootCAPath: writeFile(t, "nvidia_device_root.pem", nvidiaRootPEM(t)), Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	nonce, _ := hex.DecodeString(vectorNonce)
	verifiertest.Run(t, verifiertest.Case{
		Verifier: v,
		Evidence: evidenceJSON(t, map[string]string{
			"arch": "HOPPER", "uuid": "1111-2222-33333-444444-555555",
			"evidence":    hex.EncodeToString(reportBytes(t)),
			"certificate": base64.StdEncoding.EncodeToString(upstream.Read(t, vectorChain)),
		}),
		Expected: verifier.Expected{ReportData: nonce},
		Classes:  []verifier.Class{verifier.ClassGPU},
	})
}

// TestConformanceFakeDevices: two fake GPUs answering a SHA-384 runtime
// data digest (truncated to the 32-byte nonce) yield gpu claim sets in
// order; the same evidence is refused under NVIDIA's root.
func TestConformanceFakeDevices(t *testing.T) {
	dev := nvidiatest.NewDevice(t, vectorFWID)
	digest := sha512.Sum384([]byte("runtime data"))
	report := dev.Sign(t, reportBytes(t), digest[:])
	device := func(uuid string, encode func([]byte) string) map[string]string {
		return map[string]string{"arch": "Hopper", "uuid": uuid, "evidence": encode(report),
			"certificate": base64.StdEncoding.EncodeToString(dev.ChainPEM())}
	}
	evidence := evidenceJSON(t, device("gpu-a", hex.EncodeToString), device("gpu-b", base64.StdEncoding.EncodeToString))
	root, err := nvidia.ParseRoot(dev.RootPEM())
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(Options{Root: root, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	verifiertest.Run(t, verifiertest.Case{
		Verifier: v,
		Evidence: evidence,
		Expected: verifier.Expected{ReportData: digest[:]},
		Classes:  []verifier.Class{verifier.ClassGPU, verifier.ClassGPU},
	})

	sets, err := v.Verify(t.Context(), evidence, verifier.Expected{ReportData: digest[:]})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"gpu-a", "gpu-b"} {
		c := sets[i].Claims
		if c["uuid"] != want || c["arch"] != "Hopper" || c[nvidia.ClaimOCSPStatus] != "not_checked" {
			t.Errorf("device %d claims: uuid %v arch %v ocsp %v", i, c["uuid"], c["arch"], c[nvidia.ClaimOCSPStatus])
		}
	}

	underNVIDIA, err := New(Options{RootCAPath: writeFile(t, "root.pem", nvidiaRootPEM(t)), Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := underNVIDIA.Verify(t.Context(), evidence, verifier.Expected{ReportData: digest[:]}); !errors.Is(err, nvidia.ErrUntrustedRoot) {
		t.Errorf("fake device under NVIDIA's root: %v, want %v", err, nvidia.ErrUntrustedRoot)
	}
}

func TestNewNeedsRoot(t *testing.T) {
	if _, err := New(Options{}); !errors.Is(err, ErrNoRoot) {
		t.Errorf("New without root = %v, want %v", err, ErrNoRoot)
	}
	if _, err := New(Options{RootCAPath: filepath.Join(t.TempDir(), "absent.pem")}); !errors.Is(err, nvidia.ErrInvalidRoot) {
		t.Errorf("New with a missing root file = %v, want %v", err, nvidia.ErrInvalidRoot)
	}
}

func TestOptionsFromConfig(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  map[string]any
		want Options
	}{
		{"absent", map[string]any{"snp_verifier": map[string]any{"x": 1}}, Options{}},
		{"upstream local", map[string]any{ConfigKey: map[string]any{"type": "local"}}, Options{}},
		{"all keys", map[string]any{ConfigKey: map[string]any{
			"type": "Local", "root_ca_path": "/etc/r.pem", "ocsp": true, "ocsp_url": "http://127.0.0.1:1/", "ocsp_timeout": "3s",
		}}, Options{RootCAPath: "/etc/r.pem", OCSP: true, OCSPURL: "http://127.0.0.1:1/", OCSPTimeout: 3 * time.Second}},
	} {
		got, err := OptionsFromConfig(c.cfg)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: OptionsFromConfig = %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
	for name, table := range map[string]map[string]any{
		"remote":                  {"type": "Remote"},
		"remote with url":         {"type": "remote", "verifier_url": "https://nras.example"},
		"verifier_url for local":  {"verifier_url": "https://nras.example"},
		"unknown type":            {"type": "Hybrid"},
		"unknown key":             {"root_ca": "/etc/r.pem"},
		"ocsp_url without ocsp":   {"ocsp_url": "http://x"},
		"bad timeout":             {"ocsp": true, "ocsp_timeout": "soon"},
		"negative timeout":        {"ocsp": true, "ocsp_timeout": "-1s"},
		"root_ca_path not string": {"root_ca_path": 1},
	} {
		if _, err := OptionsFromConfig(map[string]any{ConfigKey: table}); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: OptionsFromConfig = %v, want %v", name, err, ErrConfig)
		}
	}
}
