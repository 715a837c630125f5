package kbs_test

import (
	"encoding/json"
	"net/http"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/sample"
)

// guest speaks RCAR by hand, so tests can break any step of it.
type guest struct {
	h      *harness
	key    *kbs.TeeKeyPair
	cookie *http.Cookie
	nonce  string
}

func newGuest(h *harness) *guest {
	key, err := kbs.GenerateTeeKeyPair("")
	must(h.t, err)
	return &guest{h: h, key: key}
}

func authBody(version string, tee kbs.Tee) []byte {
	b, _ := json.Marshal(map[string]any{
		"version": version, "tee": tee,
		"extra-params": map[string]any{"supported-hash-algorithms": []string{"sha256", "sha384", "sha512", "sm3"}},
	})
	return b
}

// auth runs /auth and keeps the session cookie and nonce.
func (g *guest) auth() {
	g.h.t.Helper()
	resp, body := g.h.do(http.MethodPost, "/kbs/v0/auth", authBody(kbs.ProtocolVersion, kbs.TeeSample), nil)
	if resp.StatusCode != http.StatusOK {
		g.h.t.Fatalf("/auth = %d %s", resp.StatusCode, body)
	}
	var challenge kbs.Challenge
	must(g.h.t, json.Unmarshal(body, &challenge))
	g.nonce = challenge.Nonce
	for _, c := range resp.Cookies {
		if c.Name == kbs.SessionCookie {
			g.cookie = c
		}
	}
	if g.cookie == nil {
		g.h.t.Fatal("/auth set no session cookie")
	}
}

// attestation builds a sample Attestation bound to nonce, the guest's key
// and additional evidence, the way guest-components does.
func (g *guest) attestation(nonce, additional string, initData *kbs.InitData) kbs.Attestation {
	g.h.t.Helper()
	pub := g.key.PublicKey()
	digest, err := kbs.RuntimeDataDigest(kbs.SHA384, kbs.PrimaryRuntimeData(nonce, pub, additional))
	must(g.h.t, err)
	return kbs.Attestation{
		InitData:    initData,
		RuntimeData: kbs.RuntimeData{Nonce: nonce, TeePubKey: pub},
		TeeEvidence: kbs.CompositeEvidence{
			PrimaryEvidence:    sample.NewEvidence(sample.CPUSVN, digest),
			AdditionalEvidence: additional,
		},
	}
}

// deviceEvidence is the additional-evidence string of one sample device
// bound to nonce and the guest's key.
func (g *guest) deviceEvidence(nonce string) string {
	digest, err := kbs.RuntimeDataDigest(kbs.SHA384, kbs.DeviceRuntimeData(nonce, g.key.PublicKey()))
	must(g.h.t, err)
	b, _ := json.Marshal(map[kbs.Tee]json.RawMessage{kbs.TeeSampleDevice: sample.NewEvidence(sample.DeviceSVN, digest)})
	return string(b)
}

// postAttest sends att with the session cookie.
func (g *guest) postAttest(att any) (reply, []byte) {
	g.h.t.Helper()
	b, err := json.Marshal(att)
	must(g.h.t, err)
	return g.h.do(http.MethodPost, "/kbs/v0/attest", b, nil, g.cookie)
}

// attest runs a full handshake and returns the token.
func (g *guest) attest() string {
	g.h.t.Helper()
	g.auth()
	resp, body := g.postAttest(g.attestation(g.nonce, "", nil))
	if resp.StatusCode != http.StatusOK {
		g.h.t.Fatalf("/attest = %d %s", resp.StatusCode, body)
	}
	var out kbs.AttestationResponse
	must(g.h.t, json.Unmarshal(body, &out))
	if out.Token == "" {
		g.h.t.Fatal("/attest answered no token")
	}
	return out.Token
}

// decrypt opens a resource JWE with the guest's key.
func (g *guest) decrypt(body []byte) []byte {
	g.h.t.Helper()
	var jwe kbs.Response
	must(g.h.t, json.Unmarshal(body, &jwe))
	plain, err := g.key.Decrypt(&jwe)
	must(g.h.t, err)
	return plain
}

// adminToken signs an admin JWT the way our kbs-client does.
func adminToken(privPEM []byte) (string, error) {
	return kbsclient.EdDSATokenSource(privPEM)()
}
