package trusteetest

import (
	"encoding/pem"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	tdxverifier "github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/tdx"
	"github.com/cocoon-cc/cocoon/tee/tdx/tdxtest"
)

// FakeTDX is a fake TDX platform whose quotes the server's TDX verifier
// accepts once given VerifierConfig: the platform's root CA in a PEM file
// stands for Intel's, its collateral (valid now) sits in an offline
// directory.
type FakeTDX struct {
	Platform *tdxtest.Platform
	// VerifierConfig is a verifier_config holding the dcap_verifier table.
	VerifierConfig map[string]any
}

// NewFakeTDX creates the platform and writes its root and collateral
// under a temporary directory.
func NewFakeTDX(t testing.TB) *FakeTDX {
	t.Helper()
	p, err := tdxtest.NewPlatform()
	if err != nil {
		t.Fatalf("trusteetest: %v", err)
	}
	now := time.Now()
	raw, err := p.Collateral(tdxtest.CollateralOptions{IssueDate: now.Add(-24 * time.Hour), NextUpdate: now.Add(30 * 24 * time.Hour)})
	if err != nil {
		t.Fatalf("trusteetest: %v", err)
	}
	dir := t.TempDir()
	collateral := filepath.Join(dir, "collateral")
	if err := tdxtest.WriteCollateralDir(collateral, raw); err != nil {
		t.Fatalf("trusteetest: %v", err)
	}
	root := filepath.Join(dir, "sgx-root-ca.pem")
	if err := os.WriteFile(root, lastPEMBlock(t, p.PCKChainPEM()), 0o600); err != nil {
		t.Fatalf("trusteetest: %v", err)
	}
	return &FakeTDX{Platform: p, VerifierConfig: map[string]any{tdxverifier.ConfigKey: map[string]any{
		"root_ca_path":       root,
		"collateral_service": (&url.URL{Scheme: "file", Path: collateral}).String(),
	}}}
}

// lastPEMBlock is the root of a leaf-first PEM chain.
func lastPEMBlock(t testing.TB, chain []byte) []byte {
	t.Helper()
	var last *pem.Block
	for rest := chain; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		last = b
	}
	if last == nil {
		t.Fatal("trusteetest: no PEM block in the fake PCK chain")
	}
	return pem.EncodeToMemory(last)
}
