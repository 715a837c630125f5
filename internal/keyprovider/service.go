package keyprovider

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"

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

	// registered holds the KEK this process registered at each KBS path:
	// ocicrypt wraps every layer separately, and registering a new KEK
	// for each would replace the one the earlier layers were wrapped with.
	mu         sync.Mutex
	registered map[string][]byte
}

// NewService returns a service that registers every KEK through
// registrar, or none when registrar is nil (then keypath is mandatory:
// the caller registers the KEK itself).
func NewService(registrar Registrar, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{registrar: registrar, log: log, registered: map[string][]byte{}}
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

// wrap encrypts optsData with the layer's KEK and returns the
// AnnotationPacket JSON.
func (s *Service) wrap(ctx context.Context, p Params, optsData []byte) ([]byte, error) {
	kek, err := s.layerKEK(ctx, p)
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
