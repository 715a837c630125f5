package aa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/protocol/initdata"
)

// ErrInitDataMismatch means the TEE was launched with other init-data than
// the agent was given; the agent must not start.
var ErrInitDataMismatch = errors.New("the init-data supplied is inconsistent with that of the current platform")

// InitData is what the agent binds at start-up. TOML wins when both are set.
type InitData struct {
	// TOML is the init-data document exactly as the host passed it
	// (--initdata-toml); it is also sent to the KBS with every attestation.
	TOML []byte
	// Digest is the init-data digest alone (--initdata-digest, decoded).
	Digest []byte
}

// bindInitData binds the init-data's digest to the TEE and returns the
// document to send to the KBS (nil when only a digest was given).
func bindInitData(ctx context.Context, tee attester.Attester, in InitData, logger *slog.Logger) ([]byte, error) {
	digest := in.Digest
	if in.TOML != nil {
		doc, err := initdata.Parse(in.TOML)
		if err != nil {
			return nil, fmt.Errorf("aa: --initdata-toml: %w", err)
		}
		if digest, err = doc.Digest(in.TOML); err != nil {
			return nil, fmt.Errorf("aa: --initdata-toml: %w", err)
		}
	}
	if digest == nil {
		return nil, nil
	}
	err := tee.BindInitData(ctx, digest)
	switch {
	case errors.Is(err, attester.ErrUnsupported):
		logger.InfoContext(ctx, "the TEE does not support init-data binding; going on", "tee", string(tee.Tee()))
	case err != nil:
		return nil, fmt.Errorf("aa: %w: %w", ErrInitDataMismatch, err)
	default:
		logger.InfoContext(ctx, "init-data bound to the TEE", "tee", string(tee.Tee()))
	}
	return in.TOML, nil
}
