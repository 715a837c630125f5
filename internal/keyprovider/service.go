package keyprovider

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/cocoon-cc/cocoon/internal/guest/secret"
)

// Registrar stores a KEK in the KBS at "<repo>/<type>/<tag>"; an error
// means the KBS does not hold it.
type Registrar interface {
	RegisterKEK(ctx context.Context, path string, kek []byte) error
}

// Service wraps layer keys. It is safe for concurrent use.
type Service struct {
	registrar Registrar
	log       *slog.Logger
}

// NewService returns a service that registers every KEK through
// registrar, or none when registrar is nil (then keypath is mandatory:
// the caller registers the KEK itself).
func NewService(registrar Registrar, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{registrar: registrar, log: log}
}

// WrapKey answers a KeyProviderKeyWrapProtocolInput JSON with the
// KeyProviderKeyWrapProtocolOutput JSON holding the AnnotationPacket.
func (s *Service) WrapKey(ctx context.Context, input []byte) ([]byte, error) {
	optsData, rawParams, err := parseWrapRequest(input)
	if err != nil {
		return nil, err
	}
	params, err := ParseParams(rawParams)
	if err != nil {
		return nil, err
	}
	packet, err := s.wrap(ctx, params, optsData)
	if err != nil {
		return nil, err
	}
	return wrapReply(packet), nil
}

// wrap encrypts optsData with the KEK, registers the KEK and returns the
// AnnotationPacket JSON.
func (s *Service) wrap(ctx context.Context, p Params, optsData []byte) ([]byte, error) {
	var path string
	if s.registrar != nil {
		var err error
		if path, err = resourcePath(p.KeyID); err != nil {
			return nil, err
		}
	} else if p.KeyPath == "" {
		return nil, fmt.Errorf("%w: no keypath and no KBS to register a random KEK in: nobody could decrypt the image "+
			"(start coco-keyprovider with --kbs and --auth-private-key, or give keypath=)", ErrInvalidRequest)
	}
	kek, err := s.kek(p.KeyPath)
	if err != nil {
		return nil, err
	}
	defer clear(kek)
	ivSize, err := p.Algorithm.IVSize()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	iv := make([]byte, ivSize)
	if _, err := io.ReadFull(rand.Reader, iv); err != nil {
		return nil, fmt.Errorf("keyprovider: random IV: %w", err)
	}
	wrapped, err := secret.Encrypt(p.Algorithm, kek, iv, optsData)
	if err != nil {
		return nil, fmt.Errorf("keyprovider: wrap: %w", err)
	}
	if s.registrar != nil {
		if err := s.registrar.RegisterKEK(ctx, path, kek); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrRegistration, path, err)
		}
		s.log.InfoContext(ctx, "KEK registered", slog.String("kid", p.KID))
	}
	s.log.InfoContext(ctx, "layer key wrapped", slog.String("kid", p.KID), slog.String("algorithm", string(p.Algorithm)))
	packet, err := json.Marshal(AnnotationPacket{
		Kid:         p.KID,
		WrappedData: base64.StdEncoding.EncodeToString(wrapped),
		IV:          base64.StdEncoding.EncodeToString(iv),
		WrapType:    string(p.Algorithm),
	})
	if err != nil {
		return nil, fmt.Errorf("keyprovider: encode packet: %w", err)
	}
	return packet, nil
}

// kek reads the 32-byte KEK at path, or makes a random one for "".
func (s *Service) kek(path string) ([]byte, error) {
	if path == "" {
		kek := make([]byte, secret.KeySize)
		if _, err := io.ReadFull(rand.Reader, kek); err != nil {
			return nil, fmt.Errorf("keyprovider: random KEK: %w", err)
		}
		return kek, nil
	}
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
