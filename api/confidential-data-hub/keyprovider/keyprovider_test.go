package keyprovider

import (
	"bytes"
	"context"
	"errors"
	"net"
	"path/filepath"
	"testing"

	"github.com/containerd/ttrpc"
	ocicrypt "github.com/containers/ocicrypt/utils/keyprovider"
)

// echoUnwrapper answers UnWrapKey with its input reversed and refuses WrapKey.
type echoUnwrapper struct{}

func (echoUnwrapper) WrapKey(context.Context, *KeyProviderKeyWrapProtocolInput) (*KeyProviderKeyWrapProtocolOutput, error) {
	return nil, errors.New("not here")
}

func (echoUnwrapper) UnWrapKey(_ context.Context, in *KeyProviderKeyWrapProtocolInput) (*KeyProviderKeyWrapProtocolOutput, error) {
	b := bytes.Clone(in.GetKeyProviderKeyWrapProtocolInput())
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return &ocicrypt.KeyProviderKeyWrapProtocolOutput{KeyProviderKeyWrapProtocolOutput: b}, nil
}

// This test binary links ocicrypt's generated package beside this one
// (it used to panic at start: keyprovider.proto registered twice), and
// the ttRPC stubs carry ocicrypt's messages.
func TestTTRPCStubsOverOcicryptMessages(t *testing.T) {
	srv, err := ttrpc.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	RegisterKeyProviderServiceService(srv, echoUnwrapper{})
	l, err := net.Listen("unix", filepath.Join(t.TempDir(), "kp.sock"))
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(context.Background(), l) }()
	t.Cleanup(func() { _ = srv.Close() })
	conn, err := net.Dial("unix", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	client := ttrpc.NewClient(conn)
	t.Cleanup(func() { _ = client.Close() })

	in := &ocicrypt.KeyProviderKeyWrapProtocolInput{KeyProviderKeyWrapProtocolInput: []byte("abc")}
	out, err := NewKeyProviderServiceClient(client).UnWrapKey(context.Background(), in)
	if err != nil || string(out.GetKeyProviderKeyWrapProtocolOutput()) != "cba" {
		t.Fatalf("UnWrapKey = %q, %v", out.GetKeyProviderKeyWrapProtocolOutput(), err)
	}
	// The method path the CDH's callers (kata-agent, image-rs) use.
	var raw ocicrypt.KeyProviderKeyWrapProtocolOutput
	if err := client.Call(context.Background(), "keyprovider.KeyProviderService", "UnWrapKey", in, &raw); err != nil || string(raw.GetKeyProviderKeyWrapProtocolOutput()) != "cba" {
		t.Fatalf("/keyprovider.KeyProviderService/UnWrapKey = %q, %v", raw.GetKeyProviderKeyWrapProtocolOutput(), err)
	}
}
