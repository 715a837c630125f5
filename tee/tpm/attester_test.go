package tpm_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/swtpm"
	"github.com/cocoon-cc/cocoon/tee/tpm"
)

func openAttester(t testing.TB, sim *swtpm.TPM, cfg tpm.Config) *tpm.Attester {
	t.Helper()
	cfg.Device = sim.Device()
	a, err := tpm.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func reportData(s string) []byte {
	d := sha512.Sum384([]byte(s))
	return d[:]
}

func TestAttesterEvidenceVerifies(t *testing.T) {
	ctx := context.Background()
	a := openAttester(t, swtpm.Start(t), tpm.Config{})
	rd := reportData("nonce and tee key")
	evidence, err := a.Evidence(ctx, rd)
	if err != nil {
		t.Fatalf("Evidence: %v", err)
	}
	claims, err := tpm.Verify(evidence, tpm.Expected{ReportData: rd})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	pcrs, err := a.PCRs(ctx)
	if err != nil {
		t.Fatalf("PCRs: %v", err)
	}
	for i := range tpm.PCRCount {
		if got, want := claims[tpm.PCRClaim(i)], hex.EncodeToString(pcrs[i][:]); got != want {
			t.Errorf("claim %s = %v, want %s", tpm.PCRClaim(i), got, want)
		}
	}
	if got, want := claims["report_data"], hex.EncodeToString(rd[:tpm.NonceSize]); got != want {
		t.Errorf("report_data = %v, want %s (report data truncated to 32 bytes)", got, want)
	}
}

func TestAKIsPersistedAndStable(t *testing.T) {
	dir := t.TempDir()
	sim := swtpm.StartWithState(t, dir)
	var firstLog, againLog bytes.Buffer
	a := openAttester(t, sim, tpm.Config{Logger: slog.New(slog.NewTextHandler(&firstLog, nil))})
	first := a.AKPublic()
	_ = a.Close()
	sim.Stop()
	again := openAttester(t, swtpm.StartWithState(t, dir), tpm.Config{Logger: slog.New(slog.NewTextHandler(&againLog, nil))}).AKPublic()
	if !strings.Contains(firstLog.String(), "created the TPM attestation key") {
		t.Errorf("first open did not create the AK: %s", firstLog.String())
	}
	if strings.Contains(againLog.String(), "created") {
		t.Errorf("the AK was created again after a TPM restart: it was not persisted: %s", againLog.String())
	}
	if !bytes.Equal(first, again) {
		t.Error("the AK changed across a TPM restart")
	}
}

func TestBindInitDataNeedsSHA256(t *testing.T) {
	a := openAttester(t, swtpm.Start(t), tpm.Config{})
	err := a.BindInitData(context.Background(), reportData("init-data"))
	if !errors.Is(err, tpm.ErrInitDataAlgorithm) {
		t.Fatalf("BindInitData(48-byte digest) err = %v, want ErrInitDataAlgorithm", err)
	}
}
