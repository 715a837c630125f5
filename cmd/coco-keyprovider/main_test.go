package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	pb "github.com/containers/ocicrypt/utils/keyprovider"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

func TestHelpNamesUpstreamFlagsAndFixes(t *testing.T) {
	var out bytes.Buffer
	cmd := newRootCommand(&out, &out)
	cmd.SetArgs([]string{"--help"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"--socket", "--kbs", "--auth-private-key", "OCICRYPT_KEYPROVIDER_CONFIG",
		"keyid=kbs:///", "keypath=", "algorithm=A256GCM|A256CTR",
		"algorithm= is honoured", "kbs:///default/image-kek/<uuid>", "HTTP status is checked",
		"One KEK per keyid", "images encrypted earlier for that keyid",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help does not mention %q", want)
		}
	}
}

func TestRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"no socket":       {nil, `"socket" not set`},
		"kbs alone":       {[]string{"-s", "127.0.0.1:0", "--kbs", "http://127.0.0.1:1"}, "go together"},
		"key alone":       {[]string{"-s", "127.0.0.1:0", "-a", garbage}, "go together"},
		"bad key":         {[]string{"-s", "127.0.0.1:0", "--kbs", "http://127.0.0.1:1", "-a", garbage}, "--auth-private-key"},
		"missing key":     {[]string{"-s", "127.0.0.1:0", "--kbs", "http://127.0.0.1:1", "-a", garbage + "x"}, "no such file"},
		"socket not addr": {[]string{"-s", "/run/kp.sock"}, "want IP:port"},
		"log level":       {[]string{"-s", "127.0.0.1:0", "--log-level", "loud"}, "--log-level"},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			cmd := newRootCommand(&out, &out)
			cmd.SetArgs(c.args)
			err := cmd.ExecuteContext(context.Background())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
}

// The command serves WrapKey on a port-0 socket, registers the KEK in
// Trustee, and stops cleanly when its context ends.
func TestServeRegistersKEKThenShutsDown(t *testing.T) {
	tr := trusteetest.New(t, trusteetest.WithSampleTEE())
	keyFile := filepath.Join(t.TempDir(), "admin.key")
	if err := os.WriteFile(keyFile, tr.AdminKeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs, logWriter := io.Pipe()
	done := make(chan error, 1)
	go func() {
		cmd := newRootCommand(io.Discard, logWriter)
		cmd.SetArgs([]string{"--socket", "127.0.0.1:0", "--kbs", tr.URL, "--auth-private-key", keyFile})
		err := cmd.ExecuteContext(ctx)
		_ = logWriter.Close()
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	addr := listeningAddress(t, logs)

	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	params := base64.StdEncoding.EncodeToString([]byte("keyid=kbs:///default/key/cmd::algorithm=A256CTR"))
	request := `{"op":"keywrap","keywrapparams":{"ec":{"Parameters":{"attestation-agent":["` + params +
		`"]},"DecryptConfig":{"Parameters":{}}},"optsdata":"eyJzeW1rZXkiOiJBQUFBIn0="},"keyunwrapparams":{"dc":null,"annotation":null}}`
	out, err := pb.NewKeyProviderServiceClient(conn).WrapKey(ctx,
		&pb.KeyProviderKeyWrapProtocolInput{KeyProviderKeyWrapProtocolInput: []byte(request)})
	if err != nil {
		t.Fatal(err)
	}
	var reply struct {
		KeyWrapResults struct{ Annotation []byte } `json:"keywrapresults"`
	}
	if err := json.Unmarshal(out.GetKeyProviderKeyWrapProtocolOutput(), &reply); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(reply.KeyWrapResults.Annotation), `"wrap_type":"A256CTR"`) {
		t.Errorf("packet %s, want wrap_type A256CTR", reply.KeyWrapResults.Annotation)
	}
	if kek, err := tr.Client(t).GetResource(ctx, "default/key/cmd"); err != nil || len(kek) != 32 {
		t.Errorf("registered KEK: %d bytes, %v", len(kek), err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	done <- nil // for the cleanup
}

var listeningLine = regexp.MustCompile(`msg=` + listeningMessage + ` address=(\S+)`)

// listeningAddress reads the log until the listening line, then drains it.
func listeningAddress(t *testing.T, logs io.Reader) string {
	t.Helper()
	lines := bufio.NewScanner(logs)
	for lines.Scan() {
		if m := listeningLine.FindStringSubmatch(lines.Text()); m != nil {
			go func() { _, _ = io.Copy(io.Discard, logs) }()
			return m[1]
		}
	}
	t.Fatalf("no listening line: %v", lines.Err())
	return ""
}
