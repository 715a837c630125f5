package keyprovider

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	pb "github.com/containers/ocicrypt/utils/keyprovider"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/guest/cdh"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

// layerOptions is a PrivateLayerBlockCipherOptions JSON as ocicrypt makes
// one per layer.
func layerOptions(t testing.TB) []byte {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"symkey": key, "digest": "sha256:00", "cipheroptions": map[string]any{}})
	return b
}

// The whole path: ocicrypt's request over gRPC, the KEK registered in a
// real Trustee, and the packet unwrapped by the guest CDH's code with the
// KEK an attested guest gets from that Trustee.
func TestWrapKeyRoundTripThroughTrustee(t *testing.T) {
	tr := trusteetest.New(t, trusteetest.WithSampleTEE())
	conn := serveGRPC(t, NewService(KBSRegistrar{Admin: tr.Admin(t)}, nil))
	for _, tc := range []struct{ params, kid, wrapType string }{
		{"keyid=kbs:///default/key/t1::algorithm=A256GCM", "kbs:///default/key/t1", "A256GCM"},
		{"keyid=kbs:///default/key/ctr::algorithm=A256CTR", "kbs:///default/key/ctr", "A256CTR"},
		{"keyid=/default/key/bare", "kbs:///default/key/bare", "A256GCM"},
		{"algorithm=A256GCM", "", "A256GCM"},
	} {
		t.Run(tc.params, func(t *testing.T) {
			opts := layerOptions(t)
			raw, err := callWrapKey(t, conn, ocicryptRequest(t, tc.params, opts))
			if err != nil {
				t.Fatal(err)
			}
			var packet AnnotationPacket
			if err := json.Unmarshal(raw, &packet); err != nil {
				t.Fatal(err)
			}
			if tc.kid != "" && packet.Kid != tc.kid {
				t.Errorf("kid = %q, want %q", packet.Kid, tc.kid)
			}
			if tc.kid == "" && !regexp.MustCompile(`^kbs:///default/image-kek/[0-9a-f-]{36}$`).MatchString(packet.Kid) {
				t.Errorf("default kid = %q, want kbs:///default/image-kek/<uuid>", packet.Kid)
			}
			if packet.WrapType != tc.wrapType {
				t.Errorf("wrap_type = %q, want %q", packet.WrapType, tc.wrapType)
			}
			parsed, err := cdh.ParseAnnotationPacket(raw)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parsed.Unwrap(context.Background(), trusteeResources{t, tr})
			if err != nil {
				t.Fatalf("CDH unwrap: %v", err)
			}
			if !bytes.Equal(got, opts) {
				t.Errorf("unwrapped %s, want %s", got, opts)
			}
		})
	}
}

// A KEK given by keypath is the one registered and used.
func TestWrapKeyWithKeyPath(t *testing.T) {
	tr := trusteetest.New(t, trusteetest.WithSampleTEE())
	kek := bytes.Repeat([]byte{0x42}, 32)
	keyFile := filepath.Join(t.TempDir(), "kek")
	if err := os.WriteFile(keyFile, kek, 0o600); err != nil {
		t.Fatal(err)
	}
	svc := NewService(KBSRegistrar{Admin: tr.Admin(t)}, nil)
	opts := layerOptions(t)
	reply, err := svc.WrapKey(context.Background(), ocicryptRequest(t, "keypath="+keyFile+"::keyid=kbs:///default/key/file", opts))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := tr.Client(t).GetResource(context.Background(), "default/key/file")
	if err != nil || !bytes.Equal(stored, kek) {
		t.Fatalf("Trustee holds %x (%v), want the keypath KEK", stored, err)
	}
	parsed, err := cdh.ParseAnnotationPacket(decodeReply(t, reply))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := parsed.Unwrap(context.Background(), fixedKEK(kek)); err != nil || !bytes.Equal(got, opts) {
		t.Fatalf("unwrap with the keypath KEK = %s, %v", got, err)
	}
}

// Without a registrar the tenant registers the KEK; a random one would be lost.
func TestWrapKeyWithoutRegistration(t *testing.T) {
	svc := NewService(nil, nil)
	_, err := svc.WrapKey(context.Background(), ocicryptRequest(t, "keyid=kbs:///default/key/1", layerOptions(t)))
	if !errors.Is(err, ErrInvalidRequest) || !strings.Contains(err.Error(), "keypath") {
		t.Fatalf("random KEK without registration: err = %v, want a refusal naming keypath", err)
	}
	keyFile := filepath.Join(t.TempDir(), "kek")
	if err := os.WriteFile(keyFile, bytes.Repeat([]byte{7}, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.WrapKey(context.Background(), ocicryptRequest(t, "keyid=kbs:///default/key/1::keypath="+keyFile, layerOptions(t))); err != nil {
		t.Fatalf("keypath without registration: %v", err)
	}
}

// Registration failures fail WrapKey: upstream ignored the HTTP status.
func TestRegistrationFailureFailsWrapKey(t *testing.T) {
	tr := trusteetest.New(t)
	other := trusteetest.New(t) // its admin key is not tr's
	wrongKey, err := kbsclient.NewAdmin(tr.URL, kbsclient.EdDSATokenSource(other.AdminKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	unreachable, err := kbsclient.NewAdmin("http://"+closedAddr(t), kbsclient.EdDSATokenSource(tr.AdminKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	for name, admin := range map[string]*kbsclient.Admin{"401": wrongKey, "unreachable": unreachable} {
		t.Run(name, func(t *testing.T) {
			conn := serveGRPC(t, NewService(KBSRegistrar{Admin: admin}, nil))
			_, err := callWrapKey(t, conn, ocicryptRequest(t, "keyid=kbs:///default/key/t1", layerOptions(t)))
			if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "registration") {
				t.Fatalf("err = %v, want UNAVAILABLE naming the registration", err)
			}
		})
	}
	if _, err := tr.Client(t).GetResource(context.Background(), "default/key/t1"); err == nil {
		t.Error("the KEK is in Trustee although registration was refused")
	}
}

func TestWrapKeyRefusals(t *testing.T) {
	tr := trusteetest.New(t)
	svc := NewService(KBSRegistrar{Admin: tr.Admin(t)}, nil)
	short := filepath.Join(t.TempDir(), "short")
	if err := os.WriteFile(short, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := layerOptions(t)
	for name, request := range map[string][]byte{
		"algorithm":       ocicryptRequest(t, "keyid=kbs:///default/key/1::algorithm=A128GCM", opts),
		"unknown param":   ocicryptRequest(t, "keyid=kbs:///default/key/1::algoritm=A256CTR", opts),
		"sample":          ocicryptRequest(t, "sample=true", opts),
		"duplicate":       ocicryptRequest(t, "keyid=kbs:///a/b/c::keyid=kbs:///a/b/d", opts),
		"bad keyid":       ocicryptRequest(t, "keyid=default/key", opts),
		"http keyid":      ocicryptRequest(t, "keyid=https://kbs/default/key/1", opts),
		"traversal keyid": ocicryptRequest(t, "keyid=kbs:///default/../1", opts),
		"plugin keyid":    ocicryptRequest(t, "keyid=kbs+pkcs11:///default/key/1", opts),
		"short keypath":   ocicryptRequest(t, "keyid=kbs:///default/key/1::keypath="+short, opts),
		"missing keypath": ocicryptRequest(t, "keyid=kbs:///default/key/1::keypath="+short+"-none", opts),
		"not JSON":        []byte("keywrap"),
		"unwrap op":       []byte(`{"op":"keyunwrap","keywrapparams":{},"keyunwrapparams":{"annotation":"e30="}}`),
		"no optsdata":     []byte(`{"op":"keywrap","keywrapparams":{"ec":{"Parameters":{"attestation-agent":["a2V5aWQ9a2JzOi8vL2EvYi9j"]}}}}`),
		"no provider":     []byte(`{"op":"keywrap","keywrapparams":{"ec":{"Parameters":{}},"optsdata":"e30="}}`),
		"two recipients":  []byte(`{"op":"keywrap","keywrapparams":{"ec":{"Parameters":{"attestation-agent":["a2V5aWQ9a2JzOi8vL2EvYi9j","a2V5aWQ9a2JzOi8vL2EvYi9j"]}},"optsdata":"e30="}}`),
		"params base64":   []byte(`{"op":"keywrap","keywrapparams":{"ec":{"Parameters":{"attestation-agent":["%%%"]}},"optsdata":"e30="}}`),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := svc.WrapKey(context.Background(), request); !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("err = %v, want ErrInvalidRequest", err)
			}
		})
	}
	ids, err := tr.Store.List(context.Background(), storage.NamespaceRepository)
	if err != nil || len(ids) != 0 {
		t.Errorf("after refused requests the KBS holds %v (%v), want nothing", ids, err)
	}
}

// UnWrapKey is the guest's: UNIMPLEMENTED, as upstream.
func TestUnWrapKeyIsUnimplemented(t *testing.T) {
	conn := serveGRPC(t, NewService(nil, nil))
	_, err := pb.NewKeyProviderServiceClient(conn).UnWrapKey(context.Background(),
		&pb.KeyProviderKeyWrapProtocolInput{KeyProviderKeyWrapProtocolInput: []byte(`{"op":"keyunwrap"}`)})
	if status.Code(err) != codes.Unimplemented || !strings.Contains(err.Error(), "confidential-data-hub") {
		t.Fatalf("UnWrapKey: %v, want UNIMPLEMENTED", err)
	}
}
