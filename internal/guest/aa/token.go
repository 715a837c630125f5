package aa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
)

// Token types of GetToken.
const (
	TokenTypeKBS    = "kbs"
	TokenTypeCoCoAS = "coco_as"
)

// ErrTokenNotConfigured is returned for a token type whose [token_configs]
// entry is missing.
var ErrTokenNotConfigured = errors.New("token config not configured")

// ErrUnsupportedTokenType is returned for a token type other than "kbs"
// and "coco_as".
var ErrUnsupportedTokenType = errors.New("unsupported token type")

// Token returns the token of tokenType: for "kbs" the JSON
// {"token":"<JWT>","tee_keypair":"<PEM private key>"}, for "coco_as" the
// attestation service's answer as is.
func (a *Agent) Token(ctx context.Context, tokenType string) ([]byte, error) {
	switch tokenType {
	case TokenTypeKBS:
		if a.kbs == nil {
			return nil, fmt.Errorf("aa: %w: token_configs.kbs", ErrTokenNotConfigured)
		}
		return a.kbs.get(ctx)
	case TokenTypeCoCoAS:
		if a.cfg.TokenConfigs.CoCoAS == nil {
			return nil, fmt.Errorf("aa: %w: token_configs.coco_as", ErrTokenNotConfigured)
		}
		return cocoASToken(ctx, a.cfg.TokenConfigs.CoCoAS.URL, a.primary)
	}
	return nil, fmt.Errorf("aa: %w %q", ErrUnsupportedTokenType, tokenType)
}

// kbsTokens obtains KBS tokens through one long-lived client, so that a
// token and its TEE key are reused until shortly before the token expires
// (client/kbs Client.Token) instead of attesting on every call.
type kbsTokens struct {
	cfg      KBSConfig
	provider kbsclient.EvidenceProvider
	initData []byte
	logger   *slog.Logger

	// mu serialises callers so that a cache miss attests once, not once
	// per waiting caller.
	mu     sync.Mutex
	client *kbsclient.Client
	keyPEM string
}

func newKBSTokens(cfg KBSConfig, p kbsclient.EvidenceProvider, initData []byte, logger *slog.Logger) *kbsTokens {
	return &kbsTokens{cfg: cfg, provider: p, initData: initData, logger: logger}
}

// tokenMessage is the GetToken("kbs") answer, keys in upstream's order.
type tokenMessage struct {
	Token      string `json:"token"`
	TeeKeypair string `json:"tee_keypair"`
}

func (k *kbsTokens) get(ctx context.Context) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.client == nil {
		if err := k.newClient(); err != nil {
			return nil, err
		}
	}
	token, _, err := k.client.Token(ctx)
	if err != nil {
		return nil, fmt.Errorf("aa: kbs token: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // serde_json does not escape <, > and &
	if err := enc.Encode(tokenMessage{Token: token, TeeKeypair: k.keyPEM}); err != nil {
		return nil, fmt.Errorf("aa: kbs token: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// newClient creates the client and its TEE key.
func (k *kbsTokens) newClient() error {
	opts := []kbsclient.Option{
		kbsclient.WithEvidenceProvider(k.provider),
		kbsclient.WithTeeKeyAlgorithm(k.cfg.TeeKeyAlgorithm),
		kbsclient.WithLogger(k.logger),
	}
	if k.cfg.Cert != "" {
		opts = append(opts, kbsclient.WithRootCertificatePEM([]byte(k.cfg.Cert)))
	}
	if k.initData != nil {
		opts = append(opts, kbsclient.WithInitData(k.initData))
	}
	client, err := kbsclient.New(k.cfg.URL, opts...)
	if err != nil {
		return fmt.Errorf("aa: kbs client: %w", err)
	}
	pem, err := client.TeeKeyPair().MarshalPEM()
	if err != nil {
		return fmt.Errorf("aa: TEE key: %w", err)
	}
	k.client, k.keyPEM = client, string(pem)
	return nil
}
