package tpm_test

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/testutil/swtpm"
	"github.com/cocoon-cc/cocoon/tee/tpm"
)

const secretPath = "default/key/tpm"

var _ kbsclient.EvidenceProvider = (*tpm.Provider)(nil)

// guest is a TPM attester on a fresh swtpm, with the AAEL file the
// attestation-agent would keep.
type guest struct {
	attester *tpm.Attester
	eventLog string
}

func newGuest(t *testing.T) *guest {
	t.Helper()
	g := &guest{eventLog: filepath.Join(t.TempDir(), "eventlog")}
	a, err := tpm.Open(context.Background(), tpm.Config{Device: swtpm.Start(t).Device(), EventLogPath: g.eventLog})
	must(t, err)
	t.Cleanup(func() { _ = a.Close() })
	g.attester = a
	return g
}

func (g *guest) client(t *testing.T, tr *trustee, p kbsclient.EvidenceProvider, opts ...kbsclient.Option) *kbsclient.Client {
	t.Helper()
	if p == nil {
		p = tpm.NewProvider(g.attester)
	}
	c, err := kbsclient.New(tr.URL, append([]kbsclient.Option{kbsclient.WithEvidenceProvider(p)}, opts...)...)
	must(t, err)
	return c
}

// trust registers the guest's AK and PCR 11 as the reference values
// upstream's default CPU policy checks for a TPM.
func (g *guest) trust(t *testing.T, tr *trustee) {
	t.Helper()
	pcrs, err := g.attester.PCRs(context.Background())
	must(t, err)
	tr.setReferenceValue(t, "trusted_aks", base64.StdEncoding.EncodeToString(g.attester.AKPublic()))
	tr.setReferenceValue(t, "tpm_pcr11", hex.EncodeToString(pcrs[11][:]))
}

// measure records an AAEL event as the attestation-agent does: append the
// record to the log, then extend the runtime PCR.
func (g *guest) measure(t *testing.T, e tpm.AAELEntry, extend bool) {
	t.Helper()
	ev, err := tpm.NewAAELEvent(tpm.DefaultRuntimePCR, e)
	must(t, err)
	rec, err := ev.AppendBinary(nil)
	must(t, err)
	f, err := os.OpenFile(g.eventLog, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	must(t, err)
	_, err = f.Write(rec)
	must(t, err)
	must(t, f.Close())
	if extend {
		must(t, g.attester.ExtendRuntimeMeasurement(context.Background(), ev.Digest[:], tpm.DefaultRuntimePCR))
	}
}

// cpu0 decodes the cpu0 submodule of an EAR token. The token's signature
// was checked by the KBS that issued it; here only its content matters.
func cpu0(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	must(t, err)
	var claims struct {
		Submods map[string]map[string]any `json:"submods"`
	}
	must(t, json.Unmarshal(payload, &claims))
	return claims.Submods["cpu0"]
}

const initDataTOML = `version = "0.1.0"
algorithm = "sha256"

[data]
"aa.toml" = '''
[token_configs.kbs]
url = "http://127.0.0.1:8080"
'''
`

func TestFullFlow(t *testing.T) {
	ctx := context.Background()
	tr := newTrustee(t)
	secret := []byte("released only to a trusted TPM")
	tr.SetResource(t, secretPath, secret)
	g := newGuest(t)
	digest := sha256.Sum256([]byte(initDataTOML))
	must(t, g.attester.BindInitData(ctx, digest[:]))
	g.measure(t, tpm.AAELEntry{Domain: "github.com/confidential-containers", Operation: "PullImage",
		Content: `{"image":"docker.io/library/busybox:latest","digest":"sha256:0123"}`}, true)

	// Cocoon's default resource policy releases only on an affirming token
	// (upstream's refuses only "sample"), so an untrusted AK gets nothing.
	t.Run("untrusted AK and PCR 11", func(t *testing.T) {
		c := g.client(t, tr, nil, kbsclient.WithInitData([]byte(initDataTOML)))
		token, err := c.Attest(ctx)
		if err != nil {
			t.Fatalf("Attest: %v", err)
		}
		sub := cpu0(t, token)
		if sub["ear.status"] == "affirming" {
			t.Fatalf("ear.status affirming without trusted_aks and tpm_pcr11: %v", sub)
		}
		// 33: the default CPU policy found no trusted AK and PCR 11.
		vector, _ := sub["ear.trustworthiness-vector"].(map[string]any)
		if vector["executables"] != float64(33) {
			t.Errorf("trustworthiness vector %v, want executables 33", vector)
		}
		if got, err := c.GetResource(ctx, secretPath); err == nil {
			t.Errorf("resource released to an untrusted TPM: %q", got)
		}
	})

	g.trust(t, tr)
	t.Run("trusted AK and PCR 11", func(t *testing.T) {
		c := g.client(t, tr, nil, kbsclient.WithInitData([]byte(initDataTOML)))
		token, err := c.Attest(ctx)
		if err != nil {
			t.Fatalf("Attest: %v", err)
		}
		sub := cpu0(t, token)
		if sub["ear.status"] != "affirming" {
			t.Fatalf("ear.status = %v, want affirming: %v", sub["ear.status"], sub)
		}
		evidence, _ := json.Marshal(sub["ear.veraison.annotated-evidence"])
		for _, want := range []string{`"ak_public":"`, `"operation":"PullImage"`, `"pcr23":"`} {
			if !strings.Contains(string(evidence), want) {
				t.Errorf("annotated evidence lacks %s: %s", want, evidence)
			}
		}
		got, err := c.GetResource(ctx, secretPath)
		if err != nil || string(got) != string(secret) {
			t.Fatalf("GetResource = %q, %v", got, err)
		}
	})
}

// tamperingProvider hands the KBS evidence altered after the TPM made it.
type tamperingProvider struct {
	*tpm.Provider
	tamper func(t *testing.T, ev *tpm.Evidence)
	t      *testing.T
}

func (p tamperingProvider) PrimaryEvidence(ctx context.Context, reportData []byte) (json.RawMessage, error) {
	raw, err := p.Provider.PrimaryEvidence(ctx, reportData)
	if err != nil {
		return nil, err
	}
	ev, err := tpm.ParseEvidence(raw)
	must(p.t, err)
	p.tamper(p.t, ev)
	return ev.Marshal()
}

// replayingProvider sends a quote made earlier for another challenge.
type replayingProvider struct {
	*tpm.Provider
	stale []byte
}

func (p replayingProvider) PrimaryEvidence(context.Context, []byte) (json.RawMessage, error) {
	return p.stale, nil
}

func TestRefusals(t *testing.T) {
	cases := []struct {
		name string
		// setup returns the provider and client options of the refused guest.
		setup  func(t *testing.T, g *guest) (kbsclient.EvidenceProvider, []kbsclient.Option)
		reason string
	}{
		{"quote over a stale nonce", func(t *testing.T, g *guest) (kbsclient.EvidenceProvider, []kbsclient.Option) {
			old := sha512.Sum384([]byte("an earlier challenge"))
			stale, err := g.attester.Evidence(context.Background(), old[:])
			must(t, err)
			return replayingProvider{tpm.NewProvider(g.attester), stale}, nil
		}, "quote nonce does not match"},
		{"PCR values not matching the quote digest", func(t *testing.T, g *guest) (kbsclient.EvidenceProvider, []kbsclient.Option) {
			return tamperingProvider{tpm.NewProvider(g.attester), func(_ *testing.T, ev *tpm.Evidence) {
				ev.TPMQuote.PCRs[11] = strings.Repeat("11", 32)
			}, t}, nil
		}, "PCR values do not match the PCR digest"},
		{"tampered signature", func(t *testing.T, g *guest) (kbsclient.EvidenceProvider, []kbsclient.Option) {
			return tamperingProvider{tpm.NewProvider(g.attester), func(t *testing.T, ev *tpm.Evidence) {
				sig, err := base64.StdEncoding.DecodeString(ev.TPMQuote.Signature)
				must(t, err)
				sig[len(sig)/2] ^= 0x80
				ev.TPMQuote.Signature = base64.StdEncoding.EncodeToString(sig)
			}, t}, nil
		}, "quote signature does not verify"},
		{"init-data not matching PCR 8", func(t *testing.T, g *guest) (kbsclient.EvidenceProvider, []kbsclient.Option) {
			other := sha256.Sum256([]byte("another init-data"))
			must(t, g.attester.BindInitData(context.Background(), other[:]))
			return nil, []kbsclient.Option{kbsclient.WithInitData([]byte(initDataTOML))}
		}, "PCR 8 does not match the init-data digest"},
		{"event log not replaying to the PCR", func(t *testing.T, g *guest) (kbsclient.EvidenceProvider, []kbsclient.Option) {
			g.measure(t, tpm.AAELEntry{Domain: "github.com/confidential-containers", Operation: "PullImage", Content: `{"image":"evil"}`}, false)
			return nil, nil
		}, "AAEL event log replay does not match"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tr := newTrustee(t)
			tr.SetResource(t, secretPath, []byte("secret"))
			g := newGuest(t)
			g.trust(t, tr)
			p, opts := c.setup(t, g)
			client := g.client(t, tr, p, opts...)
			if token, err := client.Attest(context.Background()); err == nil {
				t.Fatalf("attestation succeeded: %v", cpu0(t, token))
			}
			if !strings.Contains(tr.log.String(), c.reason) {
				t.Errorf("Trustee log does not say %q:\n%s", c.reason, tr.log.String())
			}
		})
	}
}
