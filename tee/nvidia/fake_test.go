package nvidia_test

import (
	"context"
	"crypto"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/cocoon-cc/cocoon/tee/nvidia"
	"github.com/cocoon-cc/cocoon/tee/nvidia/nvidiatest"
)

func fakeDevice(t testing.TB) *nvidiatest.Device {
	t.Helper()
	return nvidiatest.NewDevice(t, vectorFWID)
}

// TestFakeDeviceRoots: a fake device's report for any nonce verifies under
// its root and is refused under NVIDIA's.
func TestFakeDeviceRoots(t *testing.T) {
	dev := fakeDevice(t)
	nonce := []byte("a runtime-data digest of 48 bytes, truncated...")
	report := dev.Sign(t, vectorReportBytes(t), nonce)
	device := vectorDevice(t, report, dev.ChainPEM())

	root, err := nvidia.ParseRoot(dev.RootPEM())
	if err != nil {
		t.Fatal(err)
	}
	d, err := newVerifier(t, root).VerifyDevice(context.Background(), device)
	if err != nil {
		t.Fatalf("under the fake root: %v", err)
	}
	if err := nvidia.ValidateNonce(d.Report, nonce); err != nil {
		t.Errorf("ValidateNonce: %v", err)
	}
	if _, err := newVerifier(t, vectorRoot(t)).VerifyDevice(context.Background(), device); !errors.Is(err, nvidia.ErrUntrustedRoot) {
		t.Errorf("under NVIDIA's root: %v, want %v", err, nvidia.ErrUntrustedRoot)
	}
}

// fakeResponder answers OCSP requests for the device's CA with status,
// signed by the root, and counts the requests.
func fakeResponder(t *testing.T, dev *nvidiatest.Device, status int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req, err := ocsp.ParseRequest(body)
		if err != nil || req.SerialNumber.Cmp(dev.CA.SerialNumber) != 0 || req.HashAlgorithm != crypto.SHA384 {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		resp, err := ocsp.CreateResponse(dev.Root, dev.Root, ocsp.Response{
			Status: status, SerialNumber: dev.CA.SerialNumber, IssuerHash: crypto.SHA384,
			ThisUpdate: testNow.Add(-time.Hour), NextUpdate: testNow.Add(time.Hour),
			RevokedAt: testNow.Add(-2 * time.Hour),
		}, dev.RootKey)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestOCSP(t *testing.T) {
	for _, c := range []struct {
		name       string
		status     int
		wantErr    error
		wantStatus nvidia.OCSPStatus
	}{
		{"good", ocsp.Good, nil, nvidia.OCSPGood},
		{"revoked", ocsp.Revoked, nvidia.ErrRevoked, ""},
		{"unknown", ocsp.Unknown, nvidia.ErrOCSP, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			dev := fakeDevice(t)
			srv, hits := fakeResponder(t, dev, c.status)
			checker := nvidia.NewOCSPChecker(nvidia.OCSPOptions{URL: srv.URL, Client: srv.Client(), Now: func() time.Time { return testNow }})
			root, err := nvidia.ParseRoot(dev.RootPEM())
			if err != nil {
				t.Fatal(err)
			}
			v, err := nvidia.NewVerifier(nvidia.VerifierOptions{Root: root, OCSP: checker, Now: func() time.Time { return testNow }})
			if err != nil {
				t.Fatal(err)
			}
			device := vectorDevice(t, dev.Sign(t, vectorReportBytes(t), nil), dev.ChainPEM())
			for range 2 {
				d, err := v.VerifyDevice(context.Background(), device)
				if !errors.Is(err, c.wantErr) || (c.wantErr == nil) != (err == nil) {
					t.Fatalf("VerifyDevice = %v, want %v", err, c.wantErr)
				}
				if err == nil && d.OCSP != c.wantStatus {
					t.Errorf("OCSP = %q, want %q", d.OCSP, c.wantStatus)
				}
			}
			// One question per verification, except a good answer, which
			// is kept until its nextUpdate.
			wantHits := int32(2)
			if c.status == ocsp.Good {
				wantHits = 1
			}
			if got := hits.Load(); got != wantHits {
				t.Errorf("responder asked %d times, want %d", got, wantHits)
			}
		})
	}
}

func TestOCSPUnreachableRefused(t *testing.T) {
	dev := fakeDevice(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	root, err := nvidia.ParseRoot(dev.RootPEM())
	if err != nil {
		t.Fatal(err)
	}
	checker := nvidia.NewOCSPChecker(nvidia.OCSPOptions{URL: srv.URL, Timeout: time.Second})
	v, err := nvidia.NewVerifier(nvidia.VerifierOptions{Root: root, OCSP: checker, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.VerifyDevice(context.Background(), vectorDevice(t, dev.Sign(t, vectorReportBytes(t), nil), dev.ChainPEM()))
	if !errors.Is(err, nvidia.ErrOCSP) {
		t.Errorf("VerifyDevice = %v, want %v", err, nvidia.ErrOCSP)
	}
}
