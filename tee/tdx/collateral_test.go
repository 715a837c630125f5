package tdx_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-tdx-guest/pcs"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/tdx"
	"github.com/cocoon-cc/cocoon/tee/tdx/tdxtest"
)

// TestUpstreamCollateralParses reads upstream's PCS JSON vectors.
func TestUpstreamCollateralParses(t *testing.T) {
	var tcb pcs.TdxTcbInfo
	if err := json.Unmarshal(upstream.Read(t, "trustee/verifier/tcbInfo.json"), &tcb); err != nil {
		t.Fatal(err)
	}
	if tcb.TcbInfo.ID != "TDX" || tcb.TcbInfo.Version != 3 || tcb.TcbInfo.Fmspc != "00A06D080000" || len(tcb.TcbInfo.TdxModuleIdentities) != 2 {
		t.Errorf("tcbInfo.json = %+v", tcb.TcbInfo)
	}
	var qe pcs.QeIdentity
	if err := json.Unmarshal(upstream.Read(t, "trustee/verifier/enclaveIdentity.json"), &qe); err != nil {
		t.Fatal(err)
	}
	if qe.EnclaveIdentity.ID != "TD_QE" || qe.EnclaveIdentity.IsvProdID != 2 || len(qe.EnclaveIdentity.Mrsigner.Bytes) != 32 {
		t.Errorf("enclaveIdentity.json = %+v", qe.EnclaveIdentity)
	}
}

// fakePCS serves the platform's collateral on 127.0.0.1 and counts requests.
func fakePCS(t *testing.T, raw *tdx.RawCollateral) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	chain := url.QueryEscape(string(raw.IssuerChain))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/tdx/certification/v4/tcb":
			if r.URL.Query().Get("fmspc") != "00A06F000000" || r.URL.Query().Get("update") != "early" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("TCB-Info-Issuer-Chain", chain)
			w.Write(raw.TCBInfo)
		case "/tdx/certification/v4/qe/identity":
			w.Header().Set("SGX-Enclave-Identity-Issuer-Chain", chain)
			w.Write(raw.QEIdentity)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestPCSCacheFetchesOnce(t *testing.T) {
	p, err := tdxtest.NewPlatform()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := p.Collateral(tdxtest.CollateralOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv, hits := fakePCS(t, raw)
	cache := &tdx.CollateralCache{
		Source: &tdx.PCS{URL: srv.URL + "/sgx/certification/v4/"},
		Roots:  p.Roots(),
		Now:    func() time.Time { return tdxtest.CollateralTime },
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := cache.Collateral(context.Background(), "00A06F000000"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if _, err := cache.Collateral(context.Background(), "00A06F000000"); err != nil {
		t.Fatal(err)
	}
	if got := hits.Load(); got != 2 {
		t.Errorf("PCS got %d requests for one FMSPC, want 2 (TCB info and QE identity once)", got)
	}
	if _, err := cache.Collateral(context.Background(), "00A06F000001"); !errors.Is(err, tdx.ErrCollateral) {
		t.Errorf("unknown FMSPC: err = %v", err)
	}
	if _, err := cache.Collateral(context.Background(), "../../etc"); !errors.Is(err, tdx.ErrCollateral) {
		t.Errorf("bad FMSPC: err = %v", err)
	}
}

func TestCollateralDirMissing(t *testing.T) {
	_, err := tdx.CollateralDir(t.TempDir()).RawCollateral(context.Background(), "00A06F000000")
	if !errors.Is(err, tdx.ErrCollateral) {
		t.Fatalf("err = %v, want ErrCollateral", err)
	}
}
