package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/app"
	nvidiaverifier "github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/nvidia"
	tdxverifier "github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/tdx"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
	protocol "github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/nvidia/nvidiatest"
)

// auth is /kbs/v0/auth for tee: the status and the error detail, if any.
func auth(t *testing.T, tr *trusteetest.Trustee, tee protocol.Tee) (int, string) {
	t.Helper()
	body, err := json.Marshal(protocol.Request{Version: protocol.ProtocolVersion, Tee: tee, ExtraParams: json.RawMessage(`""`)})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(tr.URL+"/kbs/v0/auth", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info protocol.ErrorInformation
	if resp.StatusCode != http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
			t.Fatalf("/auth %s: %d with an undecodable body: %v", tee, resp.StatusCode, err)
		}
	}
	return resp.StatusCode, info.Detail
}

func TestEveryRegisteredTEEIsAcceptedAtAuth(t *testing.T) {
	tr := trusteetest.New(t, trusteetest.WithVerifierConfig(trusteetest.NewFakeTDX(t).VerifierConfig))
	for _, tee := range []protocol.Tee{
		protocol.TeeSample, protocol.TeeSampleDevice, protocol.TeeTpm, protocol.TeeSnp, protocol.TeeTdx,
		protocol.TeeAzSnpVtpm, protocol.TeeAzTdxVtpm,
	} {
		if status, detail := auth(t, tr, tee); status != http.StatusOK {
			t.Errorf("/auth %s = %d %q, want 200", tee, status, detail)
		}
	}
	// cca has no verifier yet; nvidia is withheld until its root is configured.
	for _, tee := range []protocol.Tee{protocol.TeeCca, protocol.TeeNvidia} {
		if status, _ := auth(t, tr, tee); status != http.StatusUnauthorized {
			t.Errorf("/auth %s = %d, want 401", tee, status)
		}
	}
}

// Without Intel's root the server starts, warns once with the fix, and
// refuses TDX at /auth naming the key to set.
func TestTDXWithoutRootIsWithheldWithTheFix(t *testing.T) {
	var log trusteetest.Log
	tr := trusteetest.New(t, trusteetest.WithLogger(log.Logger()))
	status, detail := auth(t, tr, protocol.TeeTdx)
	if status != http.StatusUnauthorized || !strings.Contains(detail, tdxverifier.RootCAPathKey) {
		t.Errorf("/auth tdx = %d %q, want 401 naming %s", status, detail, tdxverifier.RootCAPathKey)
	}
	warnings := 0
	for _, line := range strings.Split(log.String(), "\n") {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, "TDX attestation disabled") {
			warnings++
			if !strings.Contains(line, tdxverifier.RootCAPathKey) || !strings.Contains(line, "certificates.trustedservices.intel.com") {
				t.Errorf("the warning does not say how to fix it: %s", line)
			}
		}
	}
	if warnings != 1 {
		t.Errorf("%d start-up warnings about TDX, want 1:\n%s", warnings, log.String())
	}
}

func TestVerifierConfigTables(t *testing.T) {
	var log trusteetest.Log
	// Upstream's tables for verifiers Cocoon lacks are accepted and noted.
	trusteetest.New(t, trusteetest.WithLogger(log.Logger()), trusteetest.WithVerifierConfig(map[string]any{
		"tpm_verifier": map[string]any{"trusted_ak_keys_dir": "/etc/keys"},
		"snp_verifier": map[string]any{"vcek_sources": []any{map[string]any{"type": "OfflineStore", "path": t.TempDir()}}},
	}))
	for _, table := range []string{"tpm_verifier"} {
		if !strings.Contains(log.String(), "level=DEBUG msg=\"verifier_config table accepted but not read") ||
			!strings.Contains(log.String(), "table=attestation_service.verifier_config."+table) {
			t.Errorf("no debug line for %s:\n%s", table, log.String())
		}
	}
	if strings.Contains(log.String(), "table=attestation_service.verifier_config.snp_verifier") {
		t.Error("snp_verifier, which the SNP verifier reads, was logged as unread")
	}

	for name, bad := range map[string]map[string]any{
		"unknown snp_verifier key":  {"snp_verifier": map[string]any{"vcek_source": []any{}}},
		"unknown dcap_verifier key": {"dcap_verifier": map[string]any{"root_ca": "/x.pem"}},
		"missing root file":         {"dcap_verifier": map[string]any{"root_ca_path": filepath.Join(t.TempDir(), "none.pem")}},
		"bad collateral service":    {"dcap_verifier": map[string]any{"collateral_service": "ftp://pcs"}},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, _ := trusteetest.NewConfig(t)
			cfg.AttestationService.VerifierConfig = bad
			a, err := app.Build(context.Background(), cfg, app.Options{})
			if err == nil {
				a.Close()
				t.Fatal("Build succeeded")
			}
			if !strings.Contains(err.Error(), "attestation_service.verifier_config") {
				t.Errorf("error does not name the table: %v", err)
			}
		})
	}
}

// NVIDIA GPUs are withheld, naming the key, until the device identity root
// is configured, and accepted once it is.
func TestNvidiaNeedsItsRoot(t *testing.T) {
	tr := trusteetest.New(t)
	status, detail := auth(t, tr, protocol.TeeNvidia)
	if status != http.StatusUnauthorized || !strings.Contains(detail, nvidiaverifier.RootCAPathKey) {
		t.Errorf("/auth nvidia without a root = %d %q, want 401 naming %s", status, detail, nvidiaverifier.RootCAPathKey)
	}
	root := filepath.Join(t.TempDir(), "nvidia-root.pem")
	if err := os.WriteFile(root, nvidiatest.NewDevice(t, strings.Repeat("ab", 48)).RootPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	tr = trusteetest.New(t, trusteetest.WithVerifierConfig(map[string]any{
		nvidiaverifier.ConfigKey: map[string]any{"type": "Local", "root_ca_path": root},
	}))
	if status, detail := auth(t, tr, protocol.TeeNvidia); status != http.StatusOK {
		t.Errorf("/auth nvidia with a root = %d %q, want 200", status, detail)
	}
}
