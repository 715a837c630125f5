package e2e

import (
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	aapb "github.com/cocoon-cc/cocoon/api/attestation-agent"
	"github.com/cocoon-cc/cocoon/api/confidential-data-hub/cdhapi"
	"github.com/cocoon-cc/cocoon/api/confidential-data-hub/keyprovider"
	"github.com/cocoon-cc/cocoon/internal/guest/secret"
)

// The guest as kata-agent runs it: trustee, attestation-agent,
// confidential-data-hub and api-server-rest as real processes on loopback
// and unix sockets, driven by an operator's kbs-client and a workload's
// HTTP calls or kata-agent's ttRPC calls.
func TestGuestEndToEnd(t *testing.T) {
	t.Parallel()
	g := startGuestStack(t, guestStackOptions{})
	client := &http.Client{}

	t.Run("resource set with kbs-client", func(t *testing.T) {
		secretBytes := randomSecret(t)
		g.setResource(t, "default/key/1", secretBytes)
		g.setResource(t, "default/denied/1", []byte("must not leak"))
		if code, body := g.restGet(t, client, "/cdh/resource/default/key/1"); code != http.StatusOK || !bytes.Equal(body, secretBytes) {
			t.Errorf("GET /cdh/resource/default/key/1 = %d %x, want 200 %x", code, body, secretBytes)
		}
		for _, target := range []string{"/cdh/resource/default/denied/1", "/cdh/resource/default/key/absent", "/cdh/resource/default/key/../1"} {
			code, body := g.restGet(t, client, target)
			if code != http.StatusInternalServerError || string(body) != "ttrpc request error" {
				t.Errorf("GET %s = %d %q, want 500 ttrpc request error", target, code, body)
			}
		}
	})

	t.Run("vault sealed secret", func(t *testing.T) {
		keys := t.TempDir()
		mustSucceed(t, run(t, guestBinary(t, "cocoon-secret"), "keygen", "--kid", "signing", "--output-dir", keys))
		public := readFileT(t, filepath.Join(keys, "signing-public.json"))
		g.setResource(t, "default/signing/key1", public)
		g.setResource(t, "default/sealed/password", []byte("hunter2"))
		r := mustSucceed(t, run(t, guestBinary(t, "cocoon-secret"), "seal",
			"--signing-kid", "kbs:///default/signing/key1", "--signing-jwk-path", filepath.Join(keys, "signing-private.json"),
			"vault", "--resource-uri", "kbs:///default/sealed/password"))
		sealed := strings.TrimSpace(r.stdout)

		secrets := cdhapi.NewSealedSecretServiceClient(ttrpcClient(t, g.cdhSock))
		out, err := secrets.UnsealSecret(t.Context(), &cdhapi.UnsealSecretInput{Secret: []byte(sealed)})
		if err != nil || string(out.GetPlaintext()) != "hunter2" {
			t.Fatalf("UnsealSecret = %q, %v; want hunter2", out.GetPlaintext(), err)
		}
		// A signature that does not verify gets an error, never the value.
		forged := sealed[:len(sealed)-4] + flip(sealed[len(sealed)-4:])
		out, err = secrets.UnsealSecret(t.Context(), &cdhapi.UnsealSecretInput{Secret: []byte(forged)})
		if status.Code(err) != codes.Internal || out != nil {
			t.Errorf("UnsealSecret of a forged secret = %v, %v; want INTERNAL", out, err)
		}
	})

	t.Run("image key AnnotationPacket", func(t *testing.T) {
		kek := []byte("image key encryption key 32 byte")
		g.setResource(t, "default/image-kek/1", kek)
		optsData := []byte(`{"symkey":"c3ltbWV0cmlj","cipheroptions":{"nonce":"bm9uY2U="}}`)
		iv := []byte("twelve bytes")
		wrapped, err := secret.Encrypt(secret.A256GCM, kek, iv, optsData)
		if err != nil {
			t.Fatal(err)
		}
		packet, _ := json.Marshal(map[string]any{
			"version": "0.1.0", "provider": "kbs", "kid": "kbs:///default/image-kek/1",
			"wrapped_data": base64.StdEncoding.EncodeToString(wrapped), "iv": base64.StdEncoding.EncodeToString(iv),
			"wrap_type": "A256GCM", "provider_settings": map[string]any{}, "annotations": map[string]any{},
		})
		request := `{"op":"keyunwrap","keywrapparams":{},"keyunwrapparams":{"dc":{"Parameters":{}},"annotation":"` +
			base64.StdEncoding.EncodeToString(packet) + `"}}`
		out, err := keyprovider.NewKeyProviderServiceClient(ttrpcClient(t, g.cdhSock)).UnWrapKey(t.Context(),
			&keyprovider.KeyProviderKeyWrapProtocolInput{KeyProviderKeyWrapProtocolInput: []byte(request)})
		if err != nil {
			t.Fatal(err)
		}
		var reply struct {
			KeyUnwrapResults struct {
				OptsData []byte `json:"optsdata"`
			} `json:"keyunwrapresults"`
		}
		if err := json.Unmarshal(out.GetKeyProviderKeyWrapProtocolOutput(), &reply); err != nil || !bytes.Equal(reply.KeyUnwrapResults.OptsData, optsData) {
			t.Errorf("UnWrapKey optsdata = %q, %v; want %q", reply.KeyUnwrapResults.OptsData, err, optsData)
		}
	})

	t.Run("init-data in the token from /aa/token", func(t *testing.T) {
		code, body := g.restGet(t, client, "/aa/token?token_type=kbs")
		if code != http.StatusOK {
			t.Fatalf("GET /aa/token = %d %q", code, body)
		}
		var answer struct {
			Token      string `json:"token"`
			TeeKeyPair string `json:"tee_keypair"`
		}
		if err := json.Unmarshal(body, &answer); err != nil {
			t.Fatalf("/aa/token answer: %v", err)
		}
		ev := annotatedEvidence(t, jwtClaims(t, answer.Token))
		digest := sha512.Sum384([]byte(guestInitData))
		if got, want := ev["init_data"], base64.StdEncoding.EncodeToString(digest[:]); got != want {
			t.Errorf("init_data = %v, want %s", got, want)
		}
		if idc, _ := ev["init_data_claims"].(map[string]any); !reflect.DeepEqual(idc["aa.toml"], wantAAClaims) {
			t.Errorf("init_data_claims[aa.toml] = %v, want %v", idc["aa.toml"], wantAAClaims)
		}
		// The token and key work as a passport with Trustee.
		dir := t.TempDir()
		g.setResource(t, "default/key/passport", []byte("by passport"))
		got := g.trustee.getResource(t, "default/key/passport",
			"--attestation-token", writeFile(t, dir, "token", []byte(answer.Token)),
			"--tee-key-file", writeFile(t, dir, "tee.pem", []byte(answer.TeeKeyPair)))
		if string(got) != "by passport" {
			t.Errorf("resource with the /aa/token passport = %q", got)
		}
	})

	t.Run("evidence and info", func(t *testing.T) {
		if code, body := g.restGet(t, client, "/aa/evidence?runtime_data=eHh4eA&encoding=base64"); code != http.StatusOK || string(body) != `{"svn":"1","report_data":"eHh4eA=="}` {
			t.Errorf("GET /aa/evidence = %d %s", code, body)
		}
		if code, body := g.restGet(t, client, "/info"); code != http.StatusOK || !strings.Contains(string(body), `"tee":"sample","feature":"all"}`) {
			t.Errorf("GET /info = %d %s", code, body)
		}
	})

	t.Run("AAEL not enabled", func(t *testing.T) {
		agent := aapb.NewTTRPCAttestationAgentServiceClient(ttrpcClient(t, g.aaSock))
		res, err := agent.ExtendRuntimeMeasurement(t.Context(), &aapb.ExtendRuntimeMeasurementRequest{Domain: "d", Operation: "o", Content: "c"})
		if err != nil || res.GetResult() != aapb.RuntimeMeasurementResult_NOT_ENABLED {
			t.Errorf("ExtendRuntimeMeasurement = %v, %v; want NOT_ENABLED", res, err)
		}
		code, body := g.restDo(t, client, http.MethodPost, "/aa/aael", []byte(`{"domain":"d","operation":"o","content":"c"}`))
		if want := `{"success":"false","message": "Attestation Agent does not enable eventlog recording"}`; code != http.StatusOK || string(body) != want {
			t.Errorf("POST /aa/aael = %d %s, want 200 %s", code, body, want)
		}
	})
}

// With the event log on, the sample TEE (the only one without hardware)
// has no register to extend: the agent starts and says so, as upstream's
// answer NOT_SUPPORTED. The record format and digests are checked against
// upstream's vectors where a register exists (internal/guest/restapi and
// internal/guest/eventlog, on software registers).
func TestGuestAAELNotSupportedOnSampleTEE(t *testing.T) {
	t.Parallel()
	g := startGuestStack(t, guestStackOptions{features: "attestation", enableEventlog: true})
	agent := aapb.NewTTRPCAttestationAgentServiceClient(ttrpcClient(t, g.aaSock))
	res, err := agent.ExtendRuntimeMeasurement(t.Context(), &aapb.ExtendRuntimeMeasurementRequest{Domain: "d", Operation: "o", Content: "c"})
	if err != nil || res.GetResult() != aapb.RuntimeMeasurementResult_NOT_SUPPORTED {
		t.Errorf("ExtendRuntimeMeasurement = %v, %v; want NOT_SUPPORTED", res, err)
	}
	code, body := g.restDo(t, &http.Client{}, http.MethodPost, "/aa/aael", []byte(`{"domain":"d","operation":"o","content":"c"}`))
	if want := `{"success":"false","message": "The platform does not support runtime measurement"}`; code != http.StatusOK || string(body) != want {
		t.Errorf("POST /aa/aael = %d %s, want 200 %s", code, body, want)
	}
	// The resource feature is off.
	if code, body := g.restGet(t, &http.Client{}, "/cdh/resource/default/key/1"); code != http.StatusNotFound || string(body) != "Resource Feature Not Enabled" {
		t.Errorf("GET /cdh/resource with --features attestation = %d %q", code, body)
	}
}

// flip changes every character of s, keeping it base64url.
func flip(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
	}
	return string(b)
}
