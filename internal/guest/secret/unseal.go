package secret

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cocoon-cc/cocoon/internal/guest/resourceuri"
)

// DefaultKeyDir holds verification keys whose kid is not a resource URI,
// as upstream's CDH: /run/confidential-containers/cdh/sealed-secret/<kid>.
const DefaultKeyDir = "/run/confidential-containers/cdh/sealed-secret"

// maxKeyFile bounds a local verification key file.
const maxKeyFile = 64 << 10

// ResourceGetter fetches a resource from the KBS.
type ResourceGetter interface {
	GetResource(ctx context.Context, uri resourceuri.URI) ([]byte, error)
}

// Unsealer verifies and reveals sealed secrets.
type Unsealer struct {
	// Resources fetches vault values, KEKs and verification keys.
	Resources ResourceGetter
	// KeyDir holds local verification keys; "" means DefaultKeyDir.
	KeyDir string
	// SkipVerification accepts secrets without checking their signature,
	// including the legacy unsigned form. Off by default, as upstream.
	SkipVerification bool
}

// Unseal verifies a sealed secret and returns its plaintext.
func (u *Unsealer) Unseal(ctx context.Context, sealed []byte) ([]byte, error) {
	s, err := u.Open(ctx, sealed)
	if err != nil {
		return nil, err
	}
	return u.Reveal(ctx, s)
}

// Open verifies a sealed secret (unless verification is off) and parses
// its payload.
func (u *Unsealer) Open(ctx context.Context, sealed []byte) (*Secret, error) {
	if u.SkipVerification {
		payload, err := UnverifiedPayload(string(sealed))
		if err != nil {
			return nil, err
		}
		return ParsePayload(payload)
	}
	signed, err := ParseSigned(string(sealed))
	if err != nil {
		return nil, err
	}
	pub, err := u.verificationKey(ctx, signed.Header.Kid)
	if err != nil {
		return nil, err
	}
	if err := signed.Verify(pub); err != nil {
		return nil, err
	}
	return ParsePayload(signed.Payload)
}

// verificationKey resolves a kid as upstream: a resource URI is fetched
// from the KBS, anything else is a file under the key directory.
func (u *Unsealer) verificationKey(ctx context.Context, kid string) (*ecdsa.PublicKey, error) {
	var (
		jwk []byte
		err error
	)
	if resourceuri.IsResourceURI(kid) {
		jwk, err = u.fetch(ctx, kid)
	} else {
		jwk, err = u.readLocalKey(kid)
	}
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrVerificationKey, kid, err)
	}
	return ParseVerificationKey(jwk)
}

// readLocalKey reads kid under the key directory; os.Root refuses paths
// that leave it, through ".." or symbolic links alike.
func (u *Unsealer) readLocalKey(kid string) ([]byte, error) {
	dir := u.KeyDir
	if dir == "" {
		dir = DefaultKeyDir
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("kid is neither a resource URI nor a key in %s: %w", dir, err)
	}
	defer func() { _ = root.Close() }()
	f, err := root.Open(kid)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxKeyFile {
		return nil, errors.New("key file too large")
	}
	return b, nil
}

func (u *Unsealer) fetch(ctx context.Context, rawURI string) ([]byte, error) {
	uri, err := resourceuri.Parse(rawURI)
	if err != nil {
		return nil, err
	}
	if u.Resources == nil {
		return nil, errors.New("no KBS configured")
	}
	return u.Resources.GetResource(ctx, uri)
}

// Reveal returns the plaintext of an opened secret.
func (u *Unsealer) Reveal(ctx context.Context, s *Secret) ([]byte, error) {
	if s.Version != Version {
		return nil, fmt.Errorf("%w: %q, only %s", ErrVersion, s.Version, Version)
	}
	switch {
	case s.Vault != nil:
		if !strings.EqualFold(s.Vault.Provider, ProviderKBS) {
			return nil, fmt.Errorf("%w: vault provider %q, Cocoon has only %q", ErrUnsupportedProvider, s.Vault.Provider, ProviderKBS)
		}
		v, err := u.fetch(ctx, s.Vault.Name)
		if err != nil {
			return nil, fmt.Errorf("vault secret %q: %w", s.Vault.Name, err)
		}
		return v, nil
	case s.Envelope != nil:
		if !strings.EqualFold(s.Envelope.Provider, ProviderKBS) {
			return nil, fmt.Errorf("%w: envelope provider %q, Cocoon has only %q", ErrUnsupportedProvider, s.Envelope.Provider, ProviderKBS)
		}
		kek, err := u.fetch(ctx, s.Envelope.KeyID)
		if err != nil {
			return nil, fmt.Errorf("envelope key %q: %w", s.Envelope.KeyID, err)
		}
		defer clear(kek)
		return OpenKBSEnvelope(s.Envelope, kek)
	}
	return nil, fmt.Errorf("%w: neither vault nor envelope", ErrMalformed)
}
