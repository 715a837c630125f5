package loadgen

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/url"
	"time"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// requestTimeout bounds one HTTP request of the load.
const requestTimeout = 30 * time.Second

// guest is one simulated guest: its own keep-alive connection and, unless
// --key-per-flow, one TEE key for all its flows, as upstream's attestation
// agent keeps one key per process across attestations.
type guest struct {
	url     string
	http    *http.Client
	options []kbsclient.Option
}

func newGuestClient(base *url.URL, tlsConfig *tls.Config, opts Options) (*guest, error) {
	transport, err := newConnTransport(base.Scheme, base.Host, tlsConfig)
	if err != nil {
		return nil, err
	}
	g := &guest{url: opts.URL, http: &http.Client{Transport: transport, Timeout: requestTimeout}}
	g.options = []kbsclient.Option{
		kbsclient.WithHTTPClient(g.http),
		kbsclient.WithEvidenceProvider(kbsclient.SampleProvider(false)),
	}
	if opts.KeyPerFlow {
		if opts.KeyAlgorithm != "" {
			g.options = append(g.options, kbsclient.WithTeeKeyAlgorithm(opts.KeyAlgorithm))
		}
		return g, nil
	}
	key, err := kbs.GenerateTeeKeyPair(opts.KeyAlgorithm)
	if err != nil {
		return nil, err
	}
	g.options = append(g.options, kbsclient.WithTeeKeyPair(key))
	return g, nil
}

// flow is one complete RCAR: a new client (so a new session) attests and
// reads the resource, which must equal want when want is known.
func (g *guest) flow(ctx context.Context, path string, want []byte) error {
	client, err := kbsclient.New(g.url, g.options...)
	if err != nil {
		return err
	}
	if _, err := client.Attest(ctx); err != nil {
		return err
	}
	got, err := client.GetResource(ctx, path)
	if err != nil {
		return err
	}
	if want != nil && !bytes.Equal(got, want) {
		return errors.New("resource content differs from what was stored")
	}
	return nil
}

func (g *guest) close() { g.http.CloseIdleConnections() }
