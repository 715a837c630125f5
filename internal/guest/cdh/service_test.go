package cdh

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/cocoon-cc/cocoon/api/confidential-data-hub/cdhapi"
	"github.com/cocoon-cc/cocoon/api/confidential-data-hub/keyprovider"
	"github.com/cocoon-cc/cocoon/internal/guest/secret"
	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

// wantStatus checks a ttRPC error's code and that its message contains want.
func wantStatus(t *testing.T, err error, code codes.Code, want string) {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok || st.Code() != code || !strings.Contains(st.Message(), want) {
		t.Fatalf("got %v, want %s containing %q", err, code, want)
	}
}

func TestGetResourceFromTrustee(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.trustee.SetResource(t, "default/key/1", []byte("the secret"))
	ctx := context.Background()
	resp, err := e.resources.GetResource(ctx, &cdhapi.GetResourceRequest{ResourcePath: "kbs:///default/key/1"})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Resource) != "the secret" {
		t.Fatalf("resource = %q", resp.Resource)
	}
	// The host in the URI is ignored, as upstream.
	resp, err = e.resources.GetResource(ctx, &cdhapi.GetResourceRequest{ResourcePath: "kbs://elsewhere:8080/default/key/1"})
	if err != nil || string(resp.Resource) != "the secret" {
		t.Fatalf("with host: %q, %v", resp.GetResource(), err)
	}
}

func TestTokenIsCachedAcrossCalls(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.trustee.SetResource(t, "default/key/1", []byte("v"))
	for range 5 {
		if _, err := e.resources.GetResource(context.Background(), &cdhapi.GetResourceRequest{ResourcePath: "kbs:///default/key/1"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.tokens.calls.Load(); n != 1 {
		t.Fatalf("%d attestations for 5 calls, want 1", n)
	}
}

func TestUnauthorizedTokenIsRenewed(t *testing.T) {
	e := newEnv(t, envOptions{forgeFirst: true})
	e.trustee.SetResource(t, "default/key/1", []byte("v"))
	resp, err := e.resources.GetResource(context.Background(), &cdhapi.GetResourceRequest{ResourcePath: "kbs:///default/key/1"})
	if err != nil || string(resp.Resource) != "v" {
		t.Fatalf("got %q, %v", resp.GetResource(), err)
	}
	if n := e.tokens.calls.Load(); n != 2 {
		t.Fatalf("%d token calls, want 2 (a refused one, then a real one)", n)
	}
}

func TestGetResourceRefusals(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.trustee.SetResource(t, "denied/key/1", []byte("must not leak"))
	ctx := context.Background()
	for uri, want := range map[string]string{
		"kbs:///denied/key/1":  "[CDH] [ERROR]: kbs: 401 PolicyDeny",
		"kbs:///default/key/9": "[CDH] [ERROR]: kbs:",
		"http:///a/b/c":        "[CDH] [ERROR]: invalid resource URI: unknown scheme",
		"kbs:///default/../1":  `".." is not allowed`,
		"":                     "invalid resource URI",
	} {
		resp, err := e.resources.GetResource(ctx, &cdhapi.GetResourceRequest{ResourcePath: uri})
		if resp != nil {
			t.Errorf("%q: got data %q", uri, resp.Resource)
		}
		wantStatus(t, err, codes.Internal, want)
	}
}

func TestUnsealVaultSecretWithKeysInKBS(t *testing.T) {
	e := newEnv(t, envOptions{keyDir: t.TempDir()})
	e.trustee.SetResource(t, "default/signing/test-key", upstream.Read(t, "guest-components/cdh/sealed-secret/test-key.json"))
	e.trustee.SetResource(t, "default/sealed/db-password", []byte("hunter2"))
	signer, err := secret.ParseSigningKey(upstream.Read(t, "guest-components/cdh/sealed-secret/test-key.json"))
	if err != nil {
		t.Fatal(err)
	}
	vault := &secret.Secret{Version: secret.Version, Vault: &secret.Vault{Name: "kbs:///default/sealed/db-password", Provider: "kbs"}}
	sealed, err := secret.Seal(vault, signer, "kbs:///default/signing/test-key")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	out, err := e.secrets.UnsealSecret(ctx, &cdhapi.UnsealSecretInput{Secret: []byte(sealed)})
	if err != nil || string(out.Plaintext) != "hunter2" {
		t.Fatalf("UnsealSecret = %q, %v", out.GetPlaintext(), err)
	}

	kek := []byte("a 32-byte key encryption key!!!!")
	e.trustee.SetResource(t, "default/kek/1", kek)
	envelope, err := secret.NewKBSEnvelope("kbs:///default/kek/1", kek, []byte("enveloped"))
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ = secret.Seal(envelope, signer, "kbs:///default/signing/test-key")
	out, err = e.secrets.UnsealSecret(ctx, &cdhapi.UnsealSecretInput{Secret: []byte(sealed)})
	if err != nil || string(out.Plaintext) != "enveloped" {
		t.Fatalf("envelope: %q, %v", out.GetPlaintext(), err)
	}

	wrong, _ := secret.ParseSigningKey(upstream.Read(t, "guest-components/cdh/sealed-secret/test-key-2.json"))
	forged, _ := secret.Seal(vault, wrong, "kbs:///default/signing/test-key")
	_, err = e.secrets.UnsealSecret(ctx, &cdhapi.UnsealSecretInput{Secret: []byte(forged)})
	wantStatus(t, err, codes.Internal, "signature does not verify")

	old := &secret.Secret{Version: "0.0.9", Vault: vault.Vault}
	sealed, _ = secret.Seal(old, signer, "kbs:///default/signing/test-key")
	_, err = e.secrets.UnsealSecret(ctx, &cdhapi.UnsealSecretInput{Secret: []byte(sealed)})
	wantStatus(t, err, codes.Internal, "version not supported")

	_, err = e.secrets.UnsealSecret(ctx, &cdhapi.UnsealSecretInput{Secret: []byte("sealed.fakejwsheader.e30.fakesignature")})
	wantStatus(t, err, codes.Internal, "[CDH] [ERROR]: malformed sealed secret")
}

// keyUnwrapRequest is the request ocicrypt sends for a layer.
func keyUnwrapRequest(packet []byte) []byte {
	return []byte(`{"op":"keyunwrap","keywrapparams":{"ec":null,"optsdata":null},"keyunwrapparams":{"dc":{"Parameters":{}},"annotation":"` +
		base64.StdEncoding.EncodeToString(packet) + `"}}`)
}

func TestUnWrapKeyWithKEKInKBS(t *testing.T) {
	e := newEnv(t, envOptions{})
	kek := []byte("image key encryption key 32 byte")
	e.trustee.SetResource(t, "default/image-kek/1", kek)
	plbco := []byte(`{"symkey":"c3ltbWV0cmlj","cipheroptions":{"nonce":"bm9uY2U="}}`)
	iv := []byte("twelve bytes")
	wrapped, err := secret.Encrypt(secret.A256GCM, kek, iv, plbco)
	if err != nil {
		t.Fatal(err)
	}
	v1, _ := json.Marshal(map[string]string{
		"kid": "kbs:///default/image-kek/1", "wrapped_data": base64.StdEncoding.EncodeToString(wrapped),
		"iv": base64.StdEncoding.EncodeToString(iv), "wrap_type": "A256GCM",
	})
	v2, _ := json.Marshal(map[string]any{
		"version": "0.1.0", "provider": "kbs", "provider_settings": map[string]any{}, "annotations": map[string]any{},
		"kid": "kbs:///default/image-kek/1", "wrapped_data": base64.StdEncoding.EncodeToString(wrapped),
		"iv": base64.StdEncoding.EncodeToString(iv), "wrap_type": "A256GCM",
	})
	for name, packet := range map[string][]byte{"v1": v1, "v2": v2} {
		out, err := e.keyProvider.UnWrapKey(context.Background(), &keyprovider.KeyProviderKeyWrapProtocolInput{KeyProviderKeyWrapProtocolInput: keyUnwrapRequest(packet)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		raw := out.KeyProviderKeyWrapProtocolOutput
		if !strings.HasPrefix(string(raw), `{"keyunwrapresults":{"optsdata":[123,`) {
			t.Fatalf("%s: optsdata is not an integer array: %.60s", name, raw)
		}
		// Go's ocicrypt decodes the integer array into []byte.
		var reply struct {
			KeyUnwrapResults struct {
				OptsData []byte `json:"optsdata"`
			} `json:"keyunwrapresults"`
		}
		if err := json.Unmarshal(raw, &reply); err != nil || string(reply.KeyUnwrapResults.OptsData) != string(plbco) {
			t.Fatalf("%s: optsdata %q, %v", name, reply.KeyUnwrapResults.OptsData, err)
		}
	}
}

func TestUnWrapKeyRefusals(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	call := func(in []byte) error {
		out, err := e.keyProvider.UnWrapKey(ctx, &keyprovider.KeyProviderKeyWrapProtocolInput{KeyProviderKeyWrapProtocolInput: in})
		if out != nil {
			t.Errorf("got output for a refused request")
		}
		return err
	}
	for _, in := range []string{``, `{}`, `{"op":"keyunwrap"}`, `{"op":"keyunwrap","keywrapparams":{},"keyunwrapparams":{}}`,
		`{"op":"keyunwrap","keywrapparams":{},"keyunwrapparams":{"annotation":"%%%"}}`} {
		wantStatus(t, call([]byte(in)), codes.Internal, "[ERROR] UnwrapKey Parse request failed")
	}
	// Upstream's v1 fixture parses but its kid names no resource.
	v1 := upstream.Read(t, "guest-components/cdh/annotation-packet-v1.json")
	wantStatus(t, call(keyUnwrapRequest(v1)), codes.Internal, "[CDH] [ERROR]: annotation packet: kid: invalid resource URI")
	wantStatus(t, call(keyUnwrapRequest([]byte(`{"kid":"kbs:///a/b/c","wrapped_data":"","provider":"aws"}`))), codes.Internal, `provider "aws"`)
	wantStatus(t, call(keyUnwrapRequest([]byte(`{"kid":"kbs:///a/b/c","wrapped_data":"","iv":"","wrap_type":"A128KW"}`))), codes.Internal, "unknown wrap type")
	if n := e.tokens.calls.Load(); n != 0 {
		t.Fatalf("refused requests attested %d times", n)
	}
	// A kid the KBS does not hold.
	wantStatus(t, call(keyUnwrapRequest(upstream.Read(t, "guest-components/cdh/sample_kbc_annotation.json"))), codes.Internal, "get KEK kbs:///default/key/1")
}

func TestNotSupportedMethods(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	_, err := e.mounts.SecureMount(ctx, &cdhapi.SecureMountRequest{})
	wantStatus(t, err, codes.NotFound, "/api.SecureMountService/SecureMount is not supported")
	_, err = e.keyProvider.WrapKey(ctx, &keyprovider.KeyProviderKeyWrapProtocolInput{})
	wantStatus(t, err, codes.NotFound, "/keyprovider.KeyProviderService/WrapKey is not supported")
}

func TestGarbledMessagesDoNotStopTheServer(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.trustee.SetResource(t, "default/key/1", []byte("v"))
	ctx := context.Background()
	// A request whose field 1 has the wrong wire type.
	var resp cdhapi.GetResourceResponse
	if err := e.conn.Call(ctx, "api.GetResourceService", "GetResource", wrapperspb.UInt64(7), &resp); err == nil {
		t.Fatal("a garbled request succeeded")
	}
	// Junk bytes on a raw connection.
	raw, err := net.Dial("unix", e.socket)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = raw.Write([]byte("\x00\x00\x00\x10\x00\x00\x00\x01\x01\x00garbage-garbage-garbage"))
	_ = raw.Close()
	// The server still answers.
	out, err := e.resources.GetResource(ctx, &cdhapi.GetResourceRequest{ResourcePath: "kbs:///default/key/1"})
	if err != nil || string(out.Resource) != "v" {
		t.Fatalf("after garbage: %q, %v", out.GetResource(), err)
	}
	fresh := cdhapi.NewGetResourceServiceClient(dial(t, e.socket))
	if _, err := fresh.GetResource(ctx, &cdhapi.GetResourceRequest{ResourcePath: "kbs:///default/key/1"}); err != nil {
		t.Fatalf("new connection after garbage: %v", err)
	}
}

func BenchmarkGetResourceCachedToken(b *testing.B) {
	e := newEnv(b, envOptions{})
	e.trustee.SetResource(b, "default/key/1", []byte("benchmark secret"))
	ctx := context.Background()
	req := &cdhapi.GetResourceRequest{ResourcePath: "kbs:///default/key/1"}
	for b.Loop() {
		if _, err := e.resources.GetResource(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	if n := e.tokens.calls.Load(); n != 1 {
		b.Fatalf("%d attestations, want 1", n)
	}
}
