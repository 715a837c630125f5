package restapi

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"net/http"
	"os"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/guest/attester"
)

// upstreamSHA384 is guest-components' test vector (eventlog/mod.rs
// test_event_digest) for the event "domain operation content".
const upstreamSHA384 = "dad5f0e226318ffa9839b75a472c6aa7fdb5834949d0a0a22990cf04d5692440fb00f3aa0609db7e49cd8d793f670d02"

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// POST /aa/aael records the event in the AAEL, in upstream's binary TCG2
// record with upstream's digest, and extends the register with it.
func TestAAELRecordsUpstreamDigest(t *testing.T) {
	g := newGuest(t, guestOptions{feature: FeatureAttestation, eventLog: true})
	g.do(t, http.MethodPost, "/aa/aael", []byte(`{"domain":"domain","operation":"operation","content":"content"}`)).
		want(t, http.StatusOK, contentTypeJSON, []byte(aaelMessageOK))

	digest := mustHex(t, upstreamSHA384)
	want := bytes.Join([][]byte{
		mustHex(t, "04000000"+"06000000"+"01000000"+"0c00"), // CCMR 4 (PCR 17), EV_EVENT_TAG, one SHA-384 digest
		digest,
		mustHex(t, "20000000"+"4c454141"+"18000000"), // event size, "AAEL" tag, text size
		[]byte("domain operation content"),
	}, nil)
	got, err := os.ReadFile(g.eventLog.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("event log\n%x\nwant\n%x", got, want)
	}
	rtmr3, err := g.measured.RuntimeMeasurement(t.Context(), 17)
	if err != nil {
		t.Fatal(err)
	}
	if wantReg := sha512.Sum384(append(make([]byte, 48), digest...)); !bytes.Equal(rtmr3, wantReg[:]) {
		t.Errorf("RTMR3 = %x, want SHA-384(zeros || digest) = %x", rtmr3, wantReg)
	}

	// An array of the three strings is an event too, as serde reads it.
	g.do(t, http.MethodPost, "/aa/aael", []byte(`["d","o","c"]`)).want(t, http.StatusOK, contentTypeJSON, []byte(aaelMessageOK))
	// The agent refuses a content with a newline.
	g.do(t, http.MethodPost, "/aa/aael", []byte(`{"domain":"d","operation":"o","content":"a\nb"}`)).
		wantText(t, http.StatusInternalServerError, "ttrpc request error")
	for _, m := range []string{http.MethodGet, http.MethodPut} {
		g.do(t, m, "/aa/aael", nil).wantText(t, http.StatusNotFound, bodyNotFound)
	}
}

func TestAAELResults(t *testing.T) {
	event := []byte(`{"domain":"d","operation":"o","content":"c"}`)
	notEnabled := newGuest(t, guestOptions{feature: FeatureAttestation})
	notEnabled.do(t, http.MethodPost, "/aa/aael", event).want(t, http.StatusOK, contentTypeJSON,
		[]byte(`{"success":"false","message": "Attestation Agent does not enable eventlog recording"}`))
	notSupported := newGuest(t, guestOptions{feature: FeatureAttestation, eventLog: true, tee: attester.Sample{}})
	notSupported.do(t, http.MethodPost, "/aa/aael", event).want(t, http.StatusOK, contentTypeJSON,
		[]byte(`{"success":"false","message": "The platform does not support runtime measurement"}`))
}

func TestAAELBadBodies(t *testing.T) {
	g := newGuest(t, guestOptions{feature: FeatureAttestation, eventLog: true})
	for body, reason := range map[string]string{
		``:                               "EOF",
		`{}`:                             `missing field "domain"`,
		`{"domain":"d","operation":"o"}`: `missing field "content"`,
		`{"domain":"d","operation":"o","content":null}`:             "content must be a string",
		`{"domain":"d","operation":"o","content":1}`:                "content must be a string",
		`{"Domain":"d","operation":"o","content":"c"}`:              `missing field "domain"`,
		`{"domain":"d","domain":"e","operation":"o","content":"c"}`: `duplicate field "domain"`,
		`{"domain":"d","operation":"o","content":"c"} x`:            "trailing characters",
		`{"domain":"d","operation":"o","content":"c"`:               "EOF",
		`["d","o"]`:             "array of 2 elements",
		`["d","o","c","x"]`:     "more than 3",
		`"text"`:                "want an object",
		"{\"domain\":\"\xff\"}": "not UTF-8",
	} {
		r := g.do(t, http.MethodPost, "/aa/aael", []byte(body))
		if r.status != http.StatusInternalServerError || !bytes.HasPrefix(r.body, []byte("Illegal AAEL eventry format: ")) || !bytes.Contains(r.body, []byte(reason)) {
			t.Errorf("body %q: %d %q, want 500 Illegal AAEL eventry format mentioning %q", body, r.status, r.body, reason)
		}
	}
	// Unknown members are ignored, as serde ignores them.
	g.do(t, http.MethodPost, "/aa/aael", []byte(`{"x":{"y":[1]},"domain":"d","operation":"o","content":"c"}`)).
		want(t, http.StatusOK, contentTypeJSON, []byte(aaelMessageOK))

	huge := bytes.Repeat([]byte(" "), maxAAELBody+1)
	if r := g.do(t, http.MethodPost, "/aa/aael", huge); r.status != http.StatusInternalServerError {
		t.Errorf("a body over the limit: %d %q", r.status, r.body)
	}
}
