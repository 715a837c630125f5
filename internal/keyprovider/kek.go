package keyprovider

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/cocoon-cc/cocoon/internal/guest/secret"
)

// layerKEK returns a copy of the KEK that wraps a layer. Without a
// registrar it is keypath's file. With one, it is the KEK registered at
// keyid's path: the one this process registered for an earlier layer, or
// else keypath's or a random KEK, registered in the KBS before first use.
// A keypath KEK other than the one already registered is refused.
func (s *Service) layerKEK(ctx context.Context, p Params) ([]byte, error) {
	if s.registrar == nil {
		if p.KeyPath == "" {
			return nil, fmt.Errorf("%w: no keypath and no KBS to register a random KEK in: nobody could decrypt the image "+
				"(start coco-keyprovider with --kbs and --auth-private-key, or give keypath=)", ErrInvalidRequest)
		}
		return keyFile(p.KeyPath)
	}
	path, err := resourcePath(p.KeyID)
	if err != nil {
		return nil, err
	}
	var kek []byte
	if p.KeyPath != "" {
		if kek, err = keyFile(p.KeyPath); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if held, ok := s.registered[path]; ok {
		if kek != nil && subtle.ConstantTimeCompare(kek, held) != 1 {
			clear(kek)
			return nil, fmt.Errorf("%w: keyid %s: this process registered another KEK there for earlier layers; "+
				"replacing it would make them undecryptable (use another keyid)", ErrInvalidRequest, p.KID)
		}
		clear(kek)
		return bytes.Clone(held), nil
	}
	if kek == nil {
		kek = make([]byte, secret.KeySize)
		if _, err := io.ReadFull(rand.Reader, kek); err != nil {
			return nil, fmt.Errorf("keyprovider: random KEK: %w", err)
		}
	}
	if err := s.registrar.RegisterKEK(ctx, path, kek); err != nil {
		clear(kek)
		return nil, fmt.Errorf("%w: %s: %w", ErrRegistration, path, err)
	}
	s.registered[path] = bytes.Clone(kek)
	s.log.InfoContext(ctx, "KEK registered", slog.String("kid", p.KID))
	return kek, nil
}

// keyFile reads keypath's KEK.
func keyFile(path string) ([]byte, error) {
	kek, err := readKEK(path)
	if err != nil {
		return nil, fmt.Errorf("%w: keypath: %w", ErrInvalidRequest, err)
	}
	return kek, nil
}

// readKEK reads a raw 32-byte key file without reading more than needed
// to tell that a file is too long.
func readKEK(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	buf := make([]byte, secret.KeySize+1)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		clear(buf)
		return nil, err
	}
	if n != secret.KeySize {
		clear(buf)
		return nil, fmt.Errorf("%s: a KEK file holds exactly %d raw bytes", path, secret.KeySize)
	}
	return buf[:n], nil
}
