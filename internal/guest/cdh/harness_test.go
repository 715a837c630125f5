package cdh

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/containerd/ttrpc"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cocoon-cc/cocoon/api/confidential-data-hub/cdhapi"
	"github.com/cocoon-cc/cocoon/api/confidential-data-hub/keyprovider"
	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// denyingPolicy releases resources to the sample TEE except under
// default/denied, so tests can see a refusal by policy.
const denyingPolicy = `package policy

default allow := false

allow if {
	data.plugin == "resource"
	data["resource-path"][0] != "denied"
}
`

// attestingTokens is the test's attestation-agent: every Token call runs a
// real RCAR against Trustee with the sample attester, as AA's GetToken
// does. forgeFirst makes the first call hand out a token Trustee did not
// sign, to drive the 401 path.
type attestingTokens struct {
	client     *kbsclient.Client
	calls      atomic.Int32
	forgeFirst bool
}

func (a *attestingTokens) Token(ctx context.Context) (string, *kbs.TeeKeyPair, error) {
	if a.calls.Add(1) == 1 && a.forgeFirst {
		return forgedToken(), a.client.TeeKeyPair(), nil
	}
	token, err := a.client.Attest(ctx)
	return token, a.client.TeeKeyPair(), err
}

func forgedToken() string {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s, _ := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"exp": time.Now().Add(time.Hour).Unix()}).SignedString(key)
	return s
}

// env is a Trustee, a CDH on a real unix socket, and ttRPC clients of it.
type env struct {
	trustee     *trusteetest.Trustee
	tokens      *attestingTokens
	conn        *ttrpc.Client
	socket      string
	resources   cdhapi.GetResourceServiceService
	secrets     cdhapi.SealedSecretServiceService
	images      cdhapi.ImagePullServiceService
	mounts      cdhapi.SecureMountServiceService
	keyProvider keyprovider.KeyProviderServiceService
}

type envOptions struct {
	forgeFirst bool
	keyDir     string
	skipVerify bool
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	tr := trusteetest.New(t, trusteetest.WithSampleTEE(), trusteetest.WithResourcePolicy(denyingPolicy))
	tokens := &attestingTokens{client: tr.Client(t), forgeFirst: o.forgeFirst}
	k, err := NewKBS(tr.URL, "", tokens, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := NewService(ServiceOptions{Resources: k, SealedSecretKeyDir: o.keyDir, SkipSealedSecretVerification: o.skipVerify})
	socket := startServer(t, svc)
	conn := dial(t, socket)
	return &env{
		trustee: tr, tokens: tokens, conn: conn, socket: socket,
		resources:   cdhapi.NewGetResourceServiceClient(conn),
		secrets:     cdhapi.NewSealedSecretServiceClient(conn),
		images:      cdhapi.NewImagePullServiceClient(conn),
		mounts:      cdhapi.NewSecureMountServiceClient(conn),
		keyProvider: keyprovider.NewKeyProviderServiceClient(conn),
	}
}

// startServer serves svc on a fresh unix socket until the test ends.
func startServer(t testing.TB, svc *Service) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "cdh")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	addr := "unix://" + filepath.Join(dir, "cdh.sock")
	l, err := Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, l, svc) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	path, _ := SocketPath(addr)
	return path
}

func dial(t testing.TB, path string) *ttrpc.Client {
	t.Helper()
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	c := ttrpc.NewClient(conn)
	t.Cleanup(func() { c.Close() })
	return c
}
