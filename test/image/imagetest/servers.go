package imagetest

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
)

// Trustee is a running trustee binary (development server, data in a
// temporary directory).
type Trustee struct {
	URL string
	// AdminKeyFile is the admin private key, for --auth-private-key.
	AdminKeyFile string
	proc         *Process
}

var trusteeListening = regexp.MustCompile(`"msg":"KBS listening"[^\n]*"url":"([^"]+)"`)

// StartTrustee runs trustee on a free loopback port. allowSampleTEE
// installs the development resource policy that releases resources to
// the sample TEE (what an attested test guest is).
func StartTrustee(t testing.TB, bin string, allowSampleTEE bool) *Trustee {
	t.Helper()
	dataDir := filepath.Join(t.TempDir(), "data")
	args := []string{"--data-dir", dataDir, "--socket", "127.0.0.1:0", "--log-format", "json"}
	if allowSampleTEE {
		args = append(args, "--insecure-allow-sample-tee")
	}
	env := append(os.Environ(), "HOME="+t.TempDir())
	tr := &Trustee{AdminKeyFile: filepath.Join(dataDir, "admin.key")}
	tr.proc = Start(t, bin, env, args...)
	tr.URL = tr.proc.WaitFor(t, trusteeListening)
	return tr
}

// GetResource fetches a resource as an attested sample guest.
func (tr *Trustee) GetResource(ctx context.Context, path string) ([]byte, error) {
	c, err := kbsclient.New(tr.URL, kbsclient.WithEvidenceProvider(kbsclient.SampleProvider(false)))
	if err != nil {
		return nil, err
	}
	return c.GetResource(ctx, path)
}

// Admin is an admin client with the server's admin key.
func (tr *Trustee) Admin(t testing.TB) *kbsclient.Admin {
	t.Helper()
	key, err := os.ReadFile(tr.AdminKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	a, err := kbsclient.NewAdmin(tr.URL, kbsclient.EdDSATokenSource(key))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// KeyProvider is a running coco-keyprovider registering KEKs in a Trustee.
type KeyProvider struct {
	// Addr is the gRPC IP:port.
	Addr string
	// ConfigFile is an ocicrypt key-provider configuration naming it as
	// provider attestation-agent.
	ConfigFile string
	proc       *Process
}

var keyProviderListening = regexp.MustCompile(`msg=listening address=(\S+)`)

// StartKeyProvider runs coco-keyprovider on a free loopback port,
// registering KEKs in tr.
func StartKeyProvider(t testing.TB, bin string, tr *Trustee) *KeyProvider {
	t.Helper()
	kp := &KeyProvider{}
	kp.proc = Start(t, bin, nil, "--socket", "127.0.0.1:0", "--kbs", tr.URL, "--auth-private-key", tr.AdminKeyFile)
	kp.Addr = kp.proc.WaitFor(t, keyProviderListening)
	kp.ConfigFile = filepath.Join(t.TempDir(), "ocicrypt.conf")
	writeFile(t, kp.ConfigFile, []byte(`{"key-providers":{"attestation-agent":{"grpc":"`+kp.Addr+`"}}}`))
	return kp
}

// Env is the test's environment with OCICRYPT_KEYPROVIDER_CONFIG set.
func (kp *KeyProvider) Env() []string {
	return append(os.Environ(), "OCICRYPT_KEYPROVIDER_CONFIG="+kp.ConfigFile)
}

// Output is what the key provider logged so far.
func (kp *KeyProvider) Output() string { return kp.proc.Output() }

// Stop stops the server now, for tests of what happens without it.
func (tr *Trustee) Stop() { tr.proc.Stop() }
