package snp_test

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/tee/snp"
	"github.com/cocoon-cc/cocoon/tee/snp/snptest"
)

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestOfflineStore follows upstream's layout: the TCB-named file first,
// then vcek.der, under the hex chip id (8 bytes of it on Turin).
func TestOfflineStore(t *testing.T) {
	fmc := uint8(5)
	for _, tc := range []struct {
		g      snp.Generation
		tcb    snp.TcbVersion
		prefix string
	}{
		{snp.Milan, snp.TcbVersion{Bootloader: 2, SNP: 6, Microcode: 21}, "bl02_tee00_snp06_ucode21"},
		{snp.Turin, snp.TcbVersion{FMC: &fmc, Bootloader: 3, TEE: 1, SNP: 8, Microcode: 15}, "bl03_tee01_snp08_ucode15_fmc05"},
	} {
		p := snptest.NewPlatform(t, tc.g, snptest.ChipID(tc.g, 9), tc.tcb)
		r := p.Report(3, []byte("n"))
		hwid := hex.EncodeToString(p.ChipID[:])
		if tc.g == snp.Turin {
			hwid = hex.EncodeToString(p.ChipID[:8])
		}
		store := snp.OfflineStore{Dir: t.TempDir()}
		if _, err := store.VCEK(context.Background(), tc.g, r); !errors.Is(err, snp.ErrVCEKNotFound) {
			t.Errorf("%v empty store: err = %v, want ErrVCEKNotFound", tc.g, err)
		}
		flat := filepath.Join(store.Dir, "vcek", hwid, "vcek.der")
		writeFile(t, flat, []byte("flat"))
		if got, err := store.VCEK(context.Background(), tc.g, r); err != nil || string(got) != "flat" {
			t.Errorf("%v flat layout: %q, %v", tc.g, got, err)
		}
		writeFile(t, filepath.Join(store.Dir, "vcek", hwid, tc.prefix+"_vcek.der"), p.Signer.Vcek.Raw)
		got, err := store.VCEK(context.Background(), tc.g, r)
		if err != nil || string(got) != string(p.Signer.Vcek.Raw) {
			t.Errorf("%v TCB-named file not preferred: %v", tc.g, err)
		}

		nonce := []byte("n")
		evidence := p.Evidence(t, p.Report(3, nonce), nil)
		if _, err := verifyAndValidate(fakeVerifier(t, p, store), evidence, snp.Expected{ReportData: nonce}); err != nil {
			t.Errorf("%v report with a VCEK from the offline store refused: %v", tc.g, err)
		}
	}
}

// fakeKDS serves one platform's VCEK on 127.0.0.1 and counts requests.
type fakeKDS struct {
	*httptest.Server
	requests atomic.Int32
	paths    sync.Map
}

func newFakeKDS(t *testing.T, vcek []byte, release <-chan struct{}) *fakeKDS {
	k := &fakeKDS{}
	k.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.requests.Add(1)
		k.paths.Store(r.URL.RequestURI(), true)
		if release != nil {
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		if vcek == nil {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(vcek)
	}))
	t.Cleanup(k.Close)
	return k
}

// TestKDSFetchesEachVCEKOnce: concurrent verifications of reports needing
// the same VCEK make one request, and later ones none.
func TestKDSFetchesEachVCEKOnce(t *testing.T) {
	g := snp.Milan
	p := snptest.NewPlatform(t, g, snptest.ChipID(g, 3), snptest.DefaultTCB(g))
	release := make(chan struct{})
	server := newFakeKDS(t, p.Signer.Vcek.Raw, release)
	v := fakeVerifier(t, p, snp.NewKDS(snp.KDSOptions{BaseURL: server.URL}))
	nonce := []byte("n")
	evidence := p.Evidence(t, p.Report(3, nonce), nil)

	const workers = 8
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			_, err := verifyAndValidate(v, evidence, snp.Expected{ReportData: nonce})
			errs <- err
		})
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("verification with the KDS VCEK: %v", err)
		}
	}
	if _, err := verifyAndValidate(v, evidence, snp.Expected{ReportData: nonce}); err != nil {
		t.Error(err)
	}
	if n := server.requests.Load(); n != 1 {
		t.Errorf("KDS asked %d times, want once", n)
	}
	want := "/vcek/v1/Milan/" + hex.EncodeToString(p.ChipID[:]) + "?blSPL=04&teeSPL=00&snpSPL=22&ucodeSPL=213"
	if _, ok := server.paths.Load(want); !ok {
		t.Errorf("KDS not asked for %s", want)
	}
}

func TestKDSURLTurin(t *testing.T) {
	g := snp.Turin
	p := snptest.NewPlatform(t, g, snptest.ChipID(g, 3), snptest.DefaultTCB(g))
	got, err := snp.NewKDS(snp.KDSOptions{}).VCEKURL(g, p.Report(5, nil))
	want := "https://kdsintf.amd.com/vcek/v1/Turin/" + hex.EncodeToString(p.ChipID[:8]) + "?fmcSPL=01&blSPL=04&teeSPL=00&snpSPL=22&ucodeSPL=213"
	if err != nil || got != want {
		t.Errorf("VCEKURL = %q, %v; want %q", got, err, want)
	}
}

func TestKDSFailures(t *testing.T) {
	g := snp.Genoa
	p := snptest.NewPlatform(t, g, snptest.ChipID(g, 3), snptest.DefaultTCB(g))
	r := p.Report(3, nil)

	notFound := newFakeKDS(t, nil, nil)
	if _, err := snp.NewKDS(snp.KDSOptions{BaseURL: notFound.URL}).VCEK(context.Background(), g, r); !errors.Is(err, snp.ErrVCEKNotFound) {
		t.Errorf("404: err = %v, want ErrVCEKNotFound", err)
	}

	stuck := newFakeKDS(t, p.Signer.Vcek.Raw, make(chan struct{}))
	kds := snp.NewKDS(snp.KDSOptions{BaseURL: stuck.URL, Timeout: 50 * time.Millisecond})
	if _, err := kds.VCEK(context.Background(), g, r); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("unanswered KDS: err = %v, want a deadline error", err)
	}

	masked := p.Report(3, nil)
	masked.ChipID = make(snp.Bytes, snp.ChipIDSize)
	if _, err := kds.VCEK(context.Background(), g, masked); err == nil {
		t.Error("VCEK looked up for a masked chip id")
	}

	// A KDS that has the wrong certificate does not make a report verify.
	other := snptest.NewPlatform(t, g, snptest.ChipID(g, 4), snptest.DefaultTCB(g))
	wrong := newFakeKDS(t, other.Signer.Vcek.Raw, nil)
	nonce := []byte("n")
	evidence := p.Evidence(t, p.Report(3, nonce), nil)
	v := fakeVerifier(t, p, snp.NewKDS(snp.KDSOptions{BaseURL: wrong.URL}))
	if _, err := verifyAndValidate(v, evidence, snp.Expected{ReportData: nonce}); !errors.Is(err, snp.ErrChipIDMismatch) {
		t.Errorf("VCEK of another chip from the KDS: err = %v, want ErrChipIDMismatch", err)
	}
}
