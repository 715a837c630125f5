package keyprovider

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"

	encconfig "github.com/containers/ocicrypt/config"
	pb "github.com/containers/ocicrypt/utils/keyprovider"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/cocoon-cc/cocoon/internal/guest/resourceuri"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

// ocicryptRequest is the WrapKey input Go's ocicrypt sends for recipient
// "provider:attestation-agent:<params>": the EncryptConfig comes from
// ocicrypt's own constructor, the envelope mirrors the JSON its
// keyprovider client marshals.
func ocicryptRequest(t testing.TB, params string, optsData []byte) []byte {
	t.Helper()
	cc, err := encconfig.EncryptWithKeyProvider([][]byte{[]byte(ProviderName + ":" + params)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]any{
		"op":              opKeyWrap,
		"keywrapparams":   map[string]any{"ec": cc.EncryptConfig, "optsdata": optsData},
		"keyunwrapparams": map[string]any{"dc": nil, "annotation": nil},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serveGRPC serves svc on a loopback port and returns a connected client.
func serveGRPC(t testing.TB, svc *Service) *grpc.ClientConn {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	Register(srv, svc)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// callWrapKey calls WrapKey with ocicrypt's gRPC client and returns the
// AnnotationPacket.
func callWrapKey(t testing.TB, conn *grpc.ClientConn, request []byte) ([]byte, error) {
	t.Helper()
	out, err := pb.NewKeyProviderServiceClient(conn).WrapKey(context.Background(),
		&pb.KeyProviderKeyWrapProtocolInput{KeyProviderKeyWrapProtocolInput: request})
	if err != nil {
		return nil, err
	}
	return decodeReply(t, out.GetKeyProviderKeyWrapProtocolOutput()), nil
}

// decodeReply reads the packet out of a reply as Go's ocicrypt does.
func decodeReply(t testing.TB, reply []byte) []byte {
	t.Helper()
	var out struct {
		KeyWrapResults struct {
			Annotation []byte `json:"annotation"`
		} `json:"keywrapresults"`
	}
	if err := json.Unmarshal(reply, &out); err != nil {
		t.Fatalf("reply %s: %v", reply, err)
	}
	if !strings.HasPrefix(string(reply), `{"keywrapresults":{"annotation":[`) {
		t.Errorf("reply %.60s...: want the packet as an integer array, as upstream", reply)
	}
	return out.KeyWrapResults.Annotation
}

// trusteeResources fetches KEKs from a Trustee as an attested sample guest.
type trusteeResources struct {
	t  testing.TB
	tr *trusteetest.Trustee
}

func (r trusteeResources) GetResource(ctx context.Context, u resourceuri.URI) ([]byte, error) {
	return r.tr.Client(r.t).GetResource(ctx, strings.Join(u.Path, "/"))
}

// fixedKEK answers every resource request with one key.
type fixedKEK []byte

func (k fixedKEK) GetResource(context.Context, resourceuri.URI) ([]byte, error) {
	return append([]byte(nil), k...), nil
}

// closedAddr is a loopback address nothing listens on any more.
func closedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}
