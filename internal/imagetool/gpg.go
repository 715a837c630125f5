package imagetool

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// GPGSigner signs with a key of a GnuPG keyring through the gpg command
// (what gpgme would drive, without cgo).
type GPGSigner struct {
	// Fingerprint selects the secret key (skopeo's --sign-by).
	Fingerprint string
	// Home is the GNUPGHOME; "" means gpg's default ($GNUPGHOME, ~/.gnupg).
	Home string
	// PassphraseFile unlocks the key without a pinentry; "" for none.
	PassphraseFile string
}

// Sign returns the OpenPGP signed message of payload (not detached), the
// simple-signing signature format.
func (g *GPGSigner) Sign(ctx context.Context, payload []byte) ([]byte, error) {
	if g.Fingerprint == "" || strings.HasPrefix(g.Fingerprint, "-") {
		return nil, fmt.Errorf("%w: --sign-by %q: want a GPG key fingerprint", ErrSigning, g.Fingerprint)
	}
	args := []string{"--batch", "--no-tty", "--status-fd", "2"}
	if g.Home != "" {
		args = append(args, "--homedir", g.Home)
	}
	if g.PassphraseFile != "" {
		args = append(args, "--pinentry-mode", "loopback", "--passphrase-file", g.PassphraseFile)
	}
	args = append(args, "--local-user", g.Fingerprint, "--sign", "--output", "-")
	cmd := exec.CommandContext(ctx, "gpg", args...)
	cmd.Stdin = bytes.NewReader(payload)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%w: gpg --sign with key %s: %w: %s", ErrSigning, g.Fingerprint, err, strings.TrimSpace(stderr.String()))
	}
	if !strings.Contains(stderr.String(), "[GNUPG:] SIG_CREATED") {
		return nil, fmt.Errorf("%w: gpg did not report a signature: %s", ErrSigning, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}
