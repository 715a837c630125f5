package trusteetest_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

var ctx = context.Background()

func TestSampleGuestFetchesResource(t *testing.T) {
	for name, opts := range map[string][]trusteetest.Option{
		"http":  {trusteetest.WithSampleTEE()},
		"https": {trusteetest.WithSampleTEE(), trusteetest.WithTLS()},
	} {
		t.Run(name, func(t *testing.T) {
			tr := trusteetest.New(t, opts...)
			if (tr.RootCAPEM != nil) != (name == "https") || tr.URL[:len(name)] != name {
				t.Fatalf("URL %s with root CA %t", tr.URL, tr.RootCAPEM != nil)
			}
			tr.SetResource(t, "default/key/1", []byte("secret"))
			got, err := tr.Client(t).GetResource(ctx, "default/key/1")
			if err != nil || string(got) != "secret" {
				t.Fatalf("GetResource = %q, %v", got, err)
			}
		})
	}
}

// Without options the server refuses the sample TEE, as production does.
func TestDefaultPolicyRefusesSampleTEE(t *testing.T) {
	tr := trusteetest.New(t)
	tr.SetResource(t, "default/key/1", []byte("secret"))
	if _, err := tr.Client(t).GetResource(ctx, "default/key/1"); !errors.Is(err, kbsclient.ErrUnauthorized) {
		t.Fatalf("GetResource error %v, want a policy denial", err)
	}
}

// A resource policy and a reference value set by options decide together.
func TestResourcePolicyAndReferenceValue(t *testing.T) {
	tr := trusteetest.New(t,
		trusteetest.WithReferenceValue("svn", "1"),
		trusteetest.WithResourcePolicy(`package policy
default allow := false
allow if input.submods.cpu0["ear.veraison.annotated-evidence"].sample.svn == "1"`))
	if got, err := tr.Admin(t).GetReferenceValue(ctx, "svn"); err != nil || string(got) != `["1"]` {
		t.Fatalf("reference value = %s, %v", got, err)
	}
	tr.SetResource(t, "default/key/1", []byte("secret"))
	if _, err := tr.Client(t).GetResource(ctx, "default/key/1"); err != nil {
		t.Fatalf("the uploaded policy did not allow the sample guest: %v", err)
	}
}

// Two servers over one store are a restart: resources survive, and the
// store stays open after the first is closed.
func TestWithStoreIsARestart(t *testing.T) {
	store := storage.NewMemory()
	defer store.Close()
	first := trusteetest.New(t, trusteetest.WithStore(store))
	first.SetResource(t, "default/key/1", []byte("kept"))
	second := trusteetest.New(t, trusteetest.WithStore(store), trusteetest.WithSampleTEE())
	got, err := second.Client(t).GetResource(ctx, "default/key/1")
	if err != nil || string(got) != "kept" {
		t.Fatalf("after restart GetResource = %q, %v", got, err)
	}
}

func TestExpireSessionsForgetsCookies(t *testing.T) {
	tr := trusteetest.New(t, trusteetest.WithSampleTEE())
	if _, err := tr.Client(t).Attest(ctx); err != nil {
		t.Fatal(err)
	}
	if ids, _ := tr.Store.List(ctx, storage.NamespaceSessions); len(ids) != 1 {
		t.Fatalf("%d sessions after one handshake", len(ids))
	}
	tr.ExpireSessions(t)
	if ids, _ := tr.Store.List(ctx, storage.NamespaceSessions); len(ids) != 0 {
		t.Fatalf("%d sessions left", len(ids))
	}
}

func TestAdminKeyIsTheAdmins(t *testing.T) {
	tr := trusteetest.New(t)
	if !bytes.Contains(tr.AdminKeyPEM, []byte("PRIVATE KEY")) || !bytes.Contains(tr.TokenKeyPEM, []byte("PRIVATE KEY")) {
		t.Fatal("keys are not PEM private keys")
	}
	if _, err := tr.Admin(t).GetResourcePolicy(ctx); err != nil {
		t.Fatalf("admin call with AdminKeyPEM: %v", err)
	}
}

// Requests shows what reached the server and how it answered.
func TestRequestsAreRecorded(t *testing.T) {
	tr := trusteetest.New(t)
	c := tr.Client(t, kbsclient.WithInitData([]byte("version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n")))
	if _, err := c.Attest(ctx); err != nil {
		t.Fatal(err)
	}
	_, _ = c.GetResource(ctx, "default/key/missing?x=1")
	last := tr.LastRequest(t)
	if last.Method != "GET" || last.Path != "/kbs/v0/resource/default/key/missing" || last.Query != "x=1" || last.Status != 401 {
		t.Fatalf("last request %+v", last)
	}
	if n := tr.Count("POST", "/kbs/v0/auth"); n < 1 {
		t.Fatalf("%d /auth requests", n)
	}
	atts := tr.Attestations(t)
	if len(atts) == 0 || atts[0].InitData == nil || atts[0].InitData.Format != "toml" {
		t.Fatalf("accepted attestations %+v", atts)
	}
}

func TestListeningURL(t *testing.T) {
	logs := strings.NewReader(`not json
{"msg":"configuration loaded"}
{"msg":"KBS listening","url":"http://127.0.0.1:4242"}
{"msg":"KBS listening","url":"http://[::1]:4242"}
`)
	if url, err := trusteetest.ListeningURL(logs); err != nil || url != "http://127.0.0.1:4242" {
		t.Fatalf("ListeningURL = %q, %v", url, err)
	}
	if _, err := trusteetest.ListeningURL(strings.NewReader(`{"msg":"stopped"}`)); err == nil {
		t.Fatal("found a URL in a log without one")
	}
}
