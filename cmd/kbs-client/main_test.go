package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// cli runs kbs-client in-process against one real Trustee.
type cli struct {
	t       *testing.T
	srv     *trusteetest.Trustee
	home    string
	keyFile string // Ed25519 admin key the server trusts, PEM
}

func newCLI(t *testing.T, opts ...trusteetest.Option) *cli {
	t.Helper()
	c := &cli{t: t, home: t.TempDir(), srv: trusteetest.New(t, opts...)}
	c.keyFile = c.writeFile("admin.key", c.srv.AdminKeyPEM)
	return c
}

// run executes kbs-client with --url pointing at the Trustee.
func (c *cli) run(args ...string) (stdout, stderr string, code int) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), append([]string{"--url", c.srv.URL}, args...), cliEnv{stdout: &out, stderr: &errOut, home: c.home})
	return out.String(), errOut.String(), code
}

// mustRun runs and fails the test unless the command succeeds.
func (c *cli) mustRun(args ...string) string {
	c.t.Helper()
	out, errOut, code := c.run(args...)
	if code != 0 {
		c.t.Fatalf("kbs-client %s: exit %d, stderr:\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

func (c *cli) writeFile(name string, data []byte) string {
	c.t.Helper()
	path := filepath.Join(c.t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		c.t.Fatal(err)
	}
	return path
}

// adminToken signs a token with the admin key, as a token issuer would.
func (c *cli) adminToken() string {
	c.t.Helper()
	key, err := os.ReadFile(c.keyFile)
	if err != nil {
		c.t.Fatal(err)
	}
	token, err := kbsclient.EdDSATokenSource(key)()
	if err != nil {
		c.t.Fatal(err)
	}
	return token
}

// stored returns what the server keeps under namespace and key, and
// whether it has it.
func (c *cli) stored(namespace, key string) ([]byte, bool) {
	c.t.Helper()
	b, err := c.srv.Store.Get(context.Background(), namespace, key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, false
	}
	if err != nil {
		c.t.Fatal(err)
	}
	return b, true
}

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestSetResourceThenGetItBack(t *testing.T) {
	c := newCLI(t, trusteetest.WithSampleTEE())
	secret := allBytes()
	out := c.mustRun("config", "--auth-private-key", c.keyFile, "set-resource", "--path", "default/key/1", "--resource-file", c.writeFile("secret", secret))
	if out != "Set resource success\n" {
		t.Fatalf("set-resource printed %q", out)
	}

	out, errOut, code := c.run("get-resource", "--path", "default/key/1")
	if code != 0 {
		t.Fatalf("get-resource exit %d: %s", code, errOut)
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(out, "\n"))
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("get-resource printed %q, want base64 of the secret", out)
	}
	if !strings.Contains(errOut, "sample attester") {
		t.Fatalf("no warning about the sample attester on stderr: %q", errOut)
	}

	output := filepath.Join(t.TempDir(), "out.bin")
	if out := c.mustRun("get-resource", "--path", "default/key/1", "--output", output); out != "" {
		t.Fatalf("get-resource --output printed %q", out)
	}
	raw, err := os.ReadFile(output)
	if err != nil || !bytes.Equal(raw, secret) {
		t.Fatalf("--output file differs from the secret: %v", err)
	}
	if info, _ := os.Stat(output); info.Mode().Perm() != 0o600 {
		t.Fatalf("--output mode %v, want 0600", info.Mode().Perm())
	}

	c.mustRun("config", "--auth-private-key", c.keyFile, "delete-resource", "--path", "default/key/1")
	if _, ok := c.stored(storage.NamespaceRepository, "default/key/1"); ok {
		t.Fatal("delete-resource left the resource")
	}
}

func TestGetResourceWithAttestationToken(t *testing.T) {
	c := newCLI(t, trusteetest.WithSampleTEE())
	c.srv.SetResource(t, "default/key/1", []byte("passport"))
	for _, alg := range []string{"p256", "rsa"} {
		t.Run(alg, func(t *testing.T) {
			keyFile := c.writeFile("tee.pem", teeKeyPEM(t, alg))
			token := c.mustRun("attest", "--tee-key-file", keyFile)
			tokenFile := c.writeFile("token", []byte(token))
			out := c.mustRun("get-resource", "--path", "default/key/1", "--attestation-token", tokenFile, "--tee-key-file", keyFile)
			if out != base64.StdEncoding.EncodeToString([]byte("passport"))+"\n" {
				t.Fatalf("get-resource printed %q", out)
			}
		})
	}
}

func TestAttestSendsInitData(t *testing.T) {
	c := newCLI(t)
	const doc = "version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n"
	c.mustRun("attest", "--init-data", c.writeFile("initdata.toml", []byte(doc)))
	c.mustRun("attest", doc)
	atts := c.srv.Attestations(t)
	if len(atts) != 2 {
		t.Fatalf("%d attestations, want 2", len(atts))
	}
	for i, att := range atts {
		if att.InitData == nil || att.InitData.Format != "toml" || att.InitData.Body != doc {
			t.Fatalf("attestation %d init-data %+v", i, att.InitData)
		}
	}
}

func TestResourcePolicyPresetsUploadTheirRego(t *testing.T) {
	c := newCLI(t)
	tokenFile := c.writeFile("admin-token", []byte(c.adminToken()+"\n"))
	for _, preset := range []string{presetAllowAll, presetDenyAll, presetAffirming, presetDefault} {
		want, err := presetPolicies.ReadFile(presetFiles[preset])
		if err != nil {
			t.Fatal(err)
		}
		c.mustRun("config", "--admin-token-file", tokenFile, "set-resource-policy", "--"+preset)
		if got := c.resourcePolicy(); !bytes.Equal(got, want) {
			t.Fatalf("--%s uploaded:\n%s\nwant:\n%s", preset, got, want)
		}
	}
	denyAll, _ := presetPolicy(presetDenyAll)
	if bytes.Equal(c.resourcePolicy(), denyAll) {
		t.Fatal("--default uploaded the deny-all policy (upstream's quirk)")
	}
	custom := []byte("package policy\ndefault allow := true\n")
	c.mustRun("config", "--admin-token-file", tokenFile, "set-resource-policy", "--policy-file", c.writeFile("p.rego", custom))
	if !bytes.Equal(c.resourcePolicy(), custom) {
		t.Fatal("--policy-file not uploaded verbatim")
	}
	if out := c.mustRun("config", "--admin-token-file", tokenFile, "get-resource-policy"); out != "[\n  \"resource-policy\"\n]\n" {
		t.Fatalf("get-resource-policy printed %q", out)
	}
}

func (c *cli) resourcePolicy() []byte {
	c.t.Helper()
	b, _ := c.stored(storage.NamespaceKBS, "resource-policy.rego")
	return b
}

func TestAdminTokenFromHomeDirectory(t *testing.T) {
	c := newCLI(t)
	dir := filepath.Join(c.home, ".trustee")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "admin-token"), []byte(c.adminToken()), 0o600); err != nil {
		t.Fatal(err)
	}
	policy := []byte("package policy\ndefault trust_claims := {}\ntrust_claims := {\"executables\": 3}\ndefault extensions := []\n")
	c.mustRun("config", "set-attestation-policy", "--policy-file", c.writeFile("ear.rego", policy))
	if got, ok := c.stored(storage.NamespaceASPolicy, "default_cpu.rego"); !ok || !bytes.Equal(got, policy) {
		t.Fatalf("default_cpu policy %q, %t", got, ok)
	}
	c.mustRun("config", "set-attestation-policy", "--id", "strict", "--type", "rego", "--policy-file", c.writeFile("s.rego", policy))
	if _, ok := c.stored(storage.NamespaceASPolicy, "strict.rego"); !ok {
		t.Fatal("--id not honoured")
	}
}

func TestSampleReferenceValues(t *testing.T) {
	c := newCLI(t)
	admin := []string{"config", "--auth-private-key", c.keyFile}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"svn", "3", "--as-integer"}, "[3]"},
		{[]string{"debug", "false", "--as-bool", "--as-single-value"}, "false"},
		{[]string{"digest", "abc"}, `["abc"]`},
	}
	for _, tc := range cases {
		if out := c.mustRun(append(append(admin, "set-sample-reference-value"), tc.args...)...); out != "Reference Values Updated\n" {
			t.Fatalf("printed %q", out)
		}
		if got, err := c.srv.Admin(t).GetReferenceValue(context.Background(), tc.args[0]); err != nil || string(got) != tc.want {
			t.Fatalf("%v registered %s, want %s", tc.args, got, tc.want)
		}
	}
	if out := c.mustRun(append(admin, "get-reference-value", "--id", "svn")...); out != "[\n  3\n]\n" {
		t.Fatalf("get-reference-value printed %q", out)
	}
}

func TestServerErrorsReachStderr(t *testing.T) {
	c := newCLI(t) // the default resource policy refuses the sample TEE
	c.srv.SetResource(t, "default/key/1", []byte("x"))
	out, errOut, code := c.run("get-resource", "--path", "default/key/1")
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	if !strings.Contains(errOut, "Error: kbs: 401 PolicyDeny: Access denied by policy") {
		t.Fatalf("stderr %q lacks the server's error", errOut)
	}
}

func TestCertFile(t *testing.T) {
	c := newCLI(t, trusteetest.WithTLS())
	certFile := c.writeFile("ca.pem", c.srv.RootCAPEM)
	c.mustRun("--cert-file", certFile, "attest")
	if _, _, code := c.run("attest"); code != 1 {
		t.Fatal("attest trusted a self-signed server without --cert-file")
	}
}

func TestFlagValidation(t *testing.T) {
	c := newCLI(t)
	key := c.keyFile
	tee := c.writeFile("tee.pem", teeKeyPEM(t, "p256"))
	cases := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"get-resource"}, `required flag(s) "path" not set`},
		{[]string{"get-resource", "--path", "a/b/c", "--attestation-token", tee}, "--attestation-token needs --tee-key-file"},
		{[]string{"get-resource", "--path", "a/b", "--tee-key-file", tee}, "want repo/type/tag"},
		{[]string{"attest", "--init-data", tee, "inline"}, "not both"},
		{[]string{"attest", "one", "two"}, "accepts at most 1 arg(s)"},
		{[]string{"attest", "--tee-key-file", c.writeFile("bad.pem", []byte("junk"))}, "--tee-key-file"},
		{[]string{"config", "set-resource-policy", "--allow-all"}, "no admin credentials: pass --admin-token-file FILE"},
		{[]string{"config", "--auth-private-key", key, "--admin-token-file", key, "delete-resource", "--path", "a/b/c"}, "[admin-token-file auth-private-key] were all set"},
		{[]string{"config", "--auth-private-key", tee, "delete-resource", "--path", "a/b/c"}, "--auth-private-key"},
		{[]string{"config", "--auth-private-key", key, "set-resource-policy"}, "at least one of the flags in the group"},
		{[]string{"config", "--auth-private-key", key, "set-resource-policy", "--allow-all", "--deny-all"}, "were all set"},
		{[]string{"config", "--auth-private-key", key, "set-resource", "--path", "a/b/c"}, `required flag(s) "resource-file" not set`},
		{[]string{"config", "--auth-private-key", key, "set-sample-reference-value", "svn", "x", "--as-integer"}, `VALUE "x" is not an integer`},
		{[]string{"config", "--auth-private-key", key, "set-sample-reference-value", "svn", "1", "--as-integer", "--as-bool"}, "were all set"},
		{[]string{"config", "--auth-private-key", key, "set-sample-reference-value", "svn", "yes", "--as-bool"}, "not true or false"},
		{[]string{"config", "--auth-private-key", key, "set-sample-reference-value", "svn"}, "accepts 2 arg(s)"},
		{[]string{"config", "--auth-private-key", key, "get-reference-value"}, `required flag(s) "id" not set`},
	}
	for _, tc := range cases {
		out, errOut, code := c.run(tc.args...)
		if code != 1 || out != "" || !strings.Contains(errOut, tc.wantErr) {
			t.Errorf("kbs-client %s: exit %d, stdout %q, stderr %q; want exit 1 and %q", strings.Join(tc.args, " "), code, out, errOut, tc.wantErr)
		}
	}
	if n := len(c.srv.Requests()); n != 0 {
		t.Fatalf("%d requests sent by invalid command lines", n)
	}
}

func TestEveryCommandHasHelpWithExamples(t *testing.T) {
	root := newRootCommand(cliEnv{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	for _, cmd := range allCommands(root) {
		if cmd.Example == "" || cmd.Short == "" {
			t.Errorf("%q lacks a short description or examples", cmd.CommandPath())
		}
		var out bytes.Buffer
		args := append(strings.Fields(cmd.CommandPath())[1:], "--help")
		if code := run(context.Background(), args, cliEnv{stdout: &out, stderr: &out}); code != 0 || !strings.Contains(out.String(), "Examples:") {
			t.Errorf("%s --help: exit %d, output lacks examples", cmd.CommandPath(), code)
		}
	}
}

func allCommands(cmd *cobra.Command) []*cobra.Command {
	all := []*cobra.Command{cmd}
	for _, sub := range cmd.Commands() {
		if sub.Name() != "help" && sub.Name() != "completion" {
			all = append(all, allCommands(sub)...)
		}
	}
	return all
}

// teeKeyPEM returns a fresh TEE private key in PEM: "p256" or "rsa".
func teeKeyPEM(t *testing.T, alg string) []byte {
	t.Helper()
	name := map[string]string{"p256": kbs.KeyAlgorithmP256, "rsa": kbs.KeyAlgorithmRSAOAEP256}[alg]
	key, err := kbs.GenerateTeeKeyPair(name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := key.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
