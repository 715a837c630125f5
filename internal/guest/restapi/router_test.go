package restapi

import (
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/guest/attester"
)

func TestResourceFromTrusteeThroughCDH(t *testing.T) {
	g := newGuest(t, guestOptions{feature: FeatureResource})
	secret := []byte("binary \x00\xff secret\n")
	g.trustee.SetResource(t, "default/key/1", secret)
	g.trustee.SetResource(t, "default/denied/1", []byte("must not leak"))

	g.get(t, "/cdh/resource/default/key/1").want(t, http.StatusOK, contentTypeOctetStream, secret)
	// Upstream ignores the method and the query of /cdh routes.
	g.do(t, http.MethodPost, "/cdh/resource/default/key/1?x=y", []byte("ignored")).want(t, http.StatusOK, contentTypeOctetStream, secret)

	for _, target := range []string{
		"/cdh/resource/default/denied/1", // refused by the resource policy
		"/cdh/resource/default/key/absent",
		"/cdh/resource/default/key/../1", // the CDH refuses .. segments
		"/cdh/resource/",
		"/cdh/resource/a/b",
	} {
		r := g.get(t, target)
		r.wantText(t, http.StatusInternalServerError, "ttrpc request error")
		if bytes.Contains(r.body, []byte("leak")) {
			t.Fatalf("%s leaked the resource", target)
		}
	}
	for _, target := range []string{"/cdh", "/cdh/", "/cdh/resource", "/cdh/other/a/b/c", "/cdh//default/key/1"} {
		g.get(t, target).wantText(t, http.StatusNotFound, bodyNotFound)
	}
}

func TestInfo(t *testing.T) {
	t.Run("resource only", func(t *testing.T) {
		g := newGuest(t, guestOptions{feature: FeatureResource})
		g.get(t, "/info").want(t, http.StatusOK, contentTypeJSON, []byte(`{"version":"test-version","feature":"resource"}`))
	})
	t.Run("attestation with a device", func(t *testing.T) {
		g := newGuest(t, guestOptions{feature: FeatureAttestation, tee: attester.Sample{}, devices: []attester.Attester{attester.SampleDevice{}}})
		g.get(t, "/info").want(t, http.StatusOK, contentTypeJSON,
			[]byte(`{"version":"test-version","tee":"sample","additional_tees":["sampledevice"],"feature":"attestation"}`))
	})
	t.Run("all, no device", func(t *testing.T) {
		g := newGuest(t, guestOptions{})
		g.get(t, "/info").want(t, http.StatusOK, contentTypeJSON, []byte(`{"version":"test-version","tee":"sample","feature":"all"}`))
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
			g.do(t, m, "/info", nil).wantText(t, http.StatusMethodNotAllowed, bodyNotAllowed)
		}
	})
}

func TestTokenCarriesInitDataAndKey(t *testing.T) {
	g := newGuest(t, guestOptions{feature: FeatureAttestation})
	r := g.get(t, "/aa/token?token_type=kbs")
	r.want(t, http.StatusOK, contentTypeOctetStream, nil)
	var answer struct {
		Token      string `json:"token"`
		TeeKeyPair string `json:"tee_keypair"`
	}
	if err := json.Unmarshal(r.body, &answer); err != nil {
		t.Fatalf("token answer: %v", err)
	}
	if !strings.HasPrefix(answer.TeeKeyPair, "-----BEGIN PRIVATE KEY-----\n") {
		t.Error("tee_keypair is not a PKCS#8 PEM key")
	}
	claims := tokenClaims(t, answer.Token)
	digest := sha512.Sum384([]byte(initDataTOML))
	if !strings.Contains(string(claims), `"init_data":"`+base64.StdEncoding.EncodeToString(digest[:])+`"`) {
		t.Errorf("token claims do not carry the init-data digest:\n%s", claims)
	}

	g.get(t, "/aa/token").wantText(t, http.StatusBadRequest, bodyBadRequest)
	g.get(t, "/aa/token?tokentype=kbs").wantText(t, http.StatusBadRequest, bodyBadRequest)
	g.get(t, "/aa/token?token_type=unknown").wantText(t, http.StatusInternalServerError, "ttrpc request error")
	g.do(t, http.MethodPost, "/aa/token?token_type=kbs", nil).wantText(t, http.StatusNotFound, bodyNotFound)
	g.get(t, "/aa/token/?token_type=kbs").wantText(t, http.StatusNotFound, bodyNotFound)
}

// tokenClaims is the payload of a JWT, unverified: Trustee made it.
func tokenClaims(t *testing.T, token string) []byte {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEvidence(t *testing.T) {
	g := newGuest(t, guestOptions{feature: FeatureAll, tee: attester.Sample{}, devices: []attester.Attester{attester.SampleDevice{}}})
	evidence := func(reportData string) []byte {
		return []byte(`{"svn":"1","report_data":"` + base64.StdEncoding.EncodeToString([]byte(reportData)) + `"}`)
	}
	for target, reportData := range map[string]string{
		"/aa/evidence?runtime_data=xxxx":                   "xxxx",
		"/aa/evidence?runtime_data=eHh4eA&encoding=base64": "xxxx",
		"/aa/evidence?runtime_data=a+b%20c%2B":             "a b c+",
		"/aa/evidence?runtime_data=%zz%4":                  "%zz%4",
		"/aa/evidence?runtime_data=%FF%E2%82":              "\uFFFD\uFFFD",
		"/aa/evidence?runtime_data=1&runtime_data=2":       "2",
		"/aa/evidence?runtime_data=":                       "",
		"/aa/evidence?runtime_data":                        "",
		"/aa/evidence?&&runtime_data=x&":                   "x",
	} {
		g.get(t, target).want(t, http.StatusOK, contentTypeOctetStream, evidence(reportData))
	}
	var additional map[string]json.RawMessage
	r := g.get(t, "/aa/additional-evidence?runtime_data=cmVwb3J0&encoding=base64")
	r.want(t, http.StatusOK, contentTypeOctetStream, nil)
	if err := json.Unmarshal(r.body, &additional); err != nil || len(additional) != 1 || additional["sampledevice"] == nil {
		t.Errorf("additional evidence %s: want the sampledevice's (%v)", r.body, err)
	}

	for _, route := range []string{"/aa/evidence", "/aa/additional-evidence"} {
		for _, query := range []string{"", "?runtime=x", "?runtime_data=x&encoding=hex", "?runtime_data=x&encoding=",
			"?runtime_data=eHh4eA%3D%3D&encoding=base64", "?runtime_data=!!!&encoding=base64", "?runtime_data=eHh4e%0AA&encoding=base64",
			"?runtime_data=eHh4eB&encoding=base64"} {
			g.get(t, route+query).wantText(t, http.StatusBadRequest, bodyBadRequest)
		}
		g.do(t, http.MethodPost, route+"?runtime_data=x", nil).wantText(t, http.StatusNotFound, bodyNotFound)
	}
}

func TestAdditionalEvidenceWithoutDevicesIsEmpty(t *testing.T) {
	g := newGuest(t, guestOptions{feature: FeatureAttestation})
	g.get(t, "/aa/additional-evidence?runtime_data=x").want(t, http.StatusOK, contentTypeOctetStream, []byte{})
}

func TestFeaturesGateRoutes(t *testing.T) {
	resourceOnly := newGuest(t, guestOptions{feature: FeatureResource})
	for _, target := range []string{"/aa/token?token_type=kbs", "/aa/evidence?runtime_data=x", "/aa/additional-evidence?runtime_data=x", "/aa/aael", "/aa/unknown", "/aa/"} {
		resourceOnly.get(t, target).wantText(t, http.StatusNotFound, bodyAttestationDisabled)
	}
	resourceOnly.do(t, http.MethodPost, "/aa/aael", []byte(`{}`)).wantText(t, http.StatusNotFound, bodyAttestationDisabled)

	attestationOnly := newGuest(t, guestOptions{feature: FeatureAttestation})
	for _, target := range []string{"/cdh/resource/default/key/1", "/cdh/resource", "/cdh/unknown/a/b", "/cdh/"} {
		attestationOnly.get(t, target).wantText(t, http.StatusNotFound, bodyResourceDisabled)
	}
	for _, g := range []*guest{resourceOnly, attestationOnly} {
		for _, target := range []string{"/", "/unknown", "/foo/bar", "/aa", "/cdh", "/info/", "/INFO", "/%69nfo", "//cdh/resource/a/b/c"} {
			g.get(t, target).wantText(t, http.StatusNotFound, bodyNotFound)
		}
	}
}

func TestNonLoopbackClientsAreForbidden(t *testing.T) {
	g := newGuest(t, guestOptions{})
	g.trustee.SetResource(t, "default/key/1", []byte("secret"))
	for _, remote := range []string{"10.0.0.1:1234", "192.168.1.1:80", "[2001:db8::1]:8006", "[fe80::1%eth0]:1", "0.0.0.0:1", "pipe", "", "127.0.0.1"} {
		for _, target := range []string{"/info", "/cdh/resource/default/key/1", "/aa/token?token_type=kbs", "/nowhere"} {
			req := httptest.NewRequest(http.MethodGet, target, nil)
			req.RemoteAddr = remote
			rec := httptest.NewRecorder()
			g.router.ServeHTTP(rec, req)
			if rec.Code != http.StatusForbidden || rec.Body.String() != bodyForbidden {
				t.Errorf("%q GET %s: %d %q, want 403 Forbidden", remote, target, rec.Code, rec.Body)
			}
		}
	}
	for _, remote := range []string{"127.0.0.1:1", "127.9.9.9:2", "[::1]:3", "[::ffff:127.0.0.1]:4"} {
		req := httptest.NewRequest(http.MethodGet, "/cdh/resource/default/key/1", nil)
		req.RemoteAddr = remote
		rec := httptest.NewRecorder()
		g.router.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Body.String() != "secret" {
			t.Errorf("loopback %s: %d %q", remote, rec.Code, rec.Body)
		}
	}
}

func TestUnreachableServices(t *testing.T) {
	dir := shortTempDir(t)
	aaAddr, cdhAddr := "unix://"+dir+"/absent-aa.sock", "unix://"+dir+"/absent-cdh.sock"
	aaClient, _ := NewAAClient(aaAddr)
	cdhClient, _ := NewCDHClient(cdhAddr)
	srv := httptest.NewServer(NewRouter(Options{Attestation: aaClient, Resources: cdhClient, Feature: FeatureAll}))
	defer srv.Close()
	g := &guest{url: srv.URL}
	g.get(t, "/cdh/resource/default/key/1").wantText(t, http.StatusInternalServerError, "ttrpc connect to CDH addr: "+cdhAddr+" failed")
	g.get(t, "/aa/token?token_type=kbs").wantText(t, http.StatusInternalServerError, "ttrpc connect to Attestation Agent addr: "+aaAddr+" failed")
	g.get(t, "/info").wantText(t, http.StatusInternalServerError, "ttrpc connect to Attestation Agent addr: "+aaAddr+" failed")

	for _, addr := range []string{"", "/run/cdh.sock", "vsock://3:1000", "unix://", "tcp://127.0.0.1:1"} {
		if _, err := NewCDHClient(addr); err == nil {
			t.Errorf("NewCDHClient(%q) accepted", addr)
		}
	}
}

// A CDH restarted on the same socket is reached again: the closed
// connection is replaced and the call retried, as upstream does.
func TestReconnectsAfterServiceRestart(t *testing.T) {
	g := newGuest(t, guestOptions{feature: FeatureResource})
	g.trustee.SetResource(t, "default/key/1", []byte("one"))
	g.get(t, "/cdh/resource/default/key/1").want(t, http.StatusOK, contentTypeOctetStream, []byte("one"))
	g.cdhStop()
	g.get(t, "/cdh/resource/default/key/1").wantText(t, http.StatusInternalServerError, "failed to reconnect to CDH after LocalClosed")
	g.cdhStop = g.startCDH(t)
	g.get(t, "/cdh/resource/default/key/1").want(t, http.StatusOK, contentTypeOctetStream, []byte("one"))
}
