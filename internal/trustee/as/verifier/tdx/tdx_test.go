package tdx

import (
	"context"
	"crypto/sha512"
	"crypto/x509"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/verifiertest"
	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
	"github.com/cocoon-cc/cocoon/tee/tdx"
	"github.com/cocoon-cc/cocoon/tee/tdx/tdxtest"
)

type fixture struct {
	platform   *tdxtest.Platform
	options    Options
	reportData []byte
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	p, err := tdxtest.NewPlatform()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := p.Collateral(tdxtest.CollateralOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tdxtest.WriteCollateralDir(dir, raw); err != nil {
		t.Fatal(err)
	}
	rd := sha512.Sum384([]byte(`{"nonce":"n","tee-pubkey":{}}`))
	return &fixture{
		platform: p,
		options: Options{
			CollateralService: (&url.URL{Scheme: "file", Path: dir}).String(),
			Roots:             p.Roots(),
			Now:               func() time.Time { return tdxtest.CollateralTime },
		},
		reportData: rd[:],
	}
}

func (f *fixture) evidence(t testing.TB, body tdx.Body) json.RawMessage {
	t.Helper()
	copy(body.ReportData[:], f.reportData)
	q, err := f.platform.Quote(tdx.QuoteV4, body)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := tdx.NewEvidence(q, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func (f *fixture) verifier(t testing.TB) *Verifier {
	t.Helper()
	v, err := New(f.options)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestConformance(t *testing.T) {
	f := newFixture(t)
	body := tdxtest.DefaultBody()
	initData := sha512.Sum384([]byte("init-data"))
	copy(body.MRConfigID[:], initData[:])
	verifiertest.Run(t, verifiertest.Case{
		Verifier: f.verifier(t),
		Evidence: f.evidence(t, body),
		Expected: verifier.Expected{ReportData: f.reportData, InitDataDigest: initData[:]},
		Classes:  []verifier.Class{verifier.ClassCPU},
	})
}

func TestIntelRootRefusesFakePlatform(t *testing.T) {
	f := newFixture(t)
	q, err := tdx.ParseQuote(upstream.Read(t, "trustee/verifier/tdx_quote_4.dat"))
	if err != nil {
		t.Fatal(err)
	}
	pck, err := tdx.ParsePCKChain(q.PCKChain)
	if err != nil {
		t.Fatal(err)
	}
	intel := x509.NewCertPool()
	intel.AddCert(pck.Root)
	f.options.Roots = intel
	_, err = f.verifier(t).Verify(context.Background(), f.evidence(t, tdxtest.DefaultBody()), verifier.Expected{ReportData: f.reportData})
	if !errors.Is(err, tdx.ErrUntrustedChain) {
		t.Fatalf("err = %v, want ErrUntrustedChain", err)
	}
}

func TestOptionsRefused(t *testing.T) {
	for name, o := range map[string]Options{
		"no root":              {},
		"missing root file":    {RootCAPath: filepath.Join(t.TempDir(), "none.pem")},
		"bad service":          {Roots: x509.NewCertPool(), CollateralService: "ftp://pcs"},
		"bad tcb_update_type":  {Roots: x509.NewCertPool(), TCBUpdateType: "late"},
		"relative service URL": {Roots: x509.NewCertPool(), CollateralService: "pcs.example"},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%s: New accepted %+v", name, o)
		}
	}
}

// TestDefaultPolicyRefusesDebug runs our default CPU policy on the claims:
// a debug TD loses the configuration claim a production TD earns.
func TestDefaultPolicyRefusesDebug(t *testing.T) {
	// go test runs in the package directory: ../../policies is package as's.
	module, err := os.ReadFile(filepath.Join("..", "..", "policies", "default_cpu.rego"))
	if err != nil {
		t.Fatal(err)
	}
	engine := policy.NewEngine(slog.New(slog.DiscardHandler))
	f := newFixture(t)
	v := f.verifier(t)
	for _, debug := range []bool{false, true} {
		body := tdxtest.DefaultBody()
		if debug {
			body.TDAttributes[0] |= 1
		}
		sets, err := v.Verify(context.Background(), f.evidence(t, body), verifier.Expected{ReportData: f.reportData})
		if err != nil {
			t.Fatal(err)
		}
		claims := maps.Clone(sets[0].Claims)
		delete(claims, "report_data")
		delete(claims, "init_data")
		quoteBody := claims["quote"].(map[string]any)["body"].(map[string]any)
		rv := func(_ context.Context, id string) (json.RawMessage, error) {
			switch id {
			case "mr_td":
				return json.Marshal([]any{quoteBody["mr_td"]})
			case "xfam":
				return json.Marshal([]any{quoteBody["xfam"]})
			}
			return nil, nil
		}
		a, err := engine.Appraise(context.Background(), string(module), map[string]any{"tdx": claims}, rv)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.TrustVector["configuration"]; (got == 2) == debug {
			t.Errorf("debug=%t: configuration = %d", debug, got)
		}
		if got := a.TrustVector["hardware"]; got != 2 {
			t.Errorf("debug=%t: hardware = %d, want 2 for an up-to-date genuine platform", debug, got)
		}
	}
}
