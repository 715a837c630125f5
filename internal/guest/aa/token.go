package aa

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
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
	return a.TokenReplacing(ctx, tokenType, "")
}

// TokenReplacing is Token for a caller whose KBS refused a "kbs" token:
// rejectedSHA256 is the hex SHA-256 of that token. When it is the cached
// token, the agent drops it and attests again; otherwise (empty, malformed,
// or a token already replaced by another caller) the cache is answered as
// by Token. "coco_as" tokens are never cached, so it changes nothing there.
func (a *Agent) TokenReplacing(ctx context.Context, tokenType, rejectedSHA256 string) ([]byte, error) {
	switch tokenType {
	case TokenTypeKBS:
		if a.kbs == nil {
			return nil, fmt.Errorf("aa: %w: token_configs.kbs", ErrTokenNotConfigured)
		}
		return a.kbs.get(ctx, rejectedSHA256)
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
	// issuedSum is the SHA-256 of the token last handed out, nil before
	// the first; a caller names a refused token by this digest.
	issuedSum []byte
}

func newKBSTokens(cfg KBSConfig, p kbsclient.EvidenceProvider, initData []byte, logger *slog.Logger) *kbsTokens {
	return &kbsTokens{cfg: cfg, provider: p, initData: initData, logger: logger}
}

// tokenMessage is the GetToken("kbs") answer, keys in upstream's order.
type tokenMessage struct {
	Token      string `json:"token"`
	TeeKeypair string `json:"tee_keypair"`
}

// get returns the cached token, or a new one when there is none usable
// or rejectedSHA256 names the cached one.
func (k *kbsTokens) get(ctx context.Context, rejectedSHA256 string) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.client == nil {
		if err := k.newClient(); err != nil {
			return nil, err
		}
	}
	var (
		token string
		err   error
	)
	if k.isIssued(rejectedSHA256) {
		k.logger.InfoContext(ctx, "kbs refused the cached token, attesting again")
		token, err = k.client.Attest(ctx)
	} else {
		token, _, err = k.client.Token(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("aa: kbs token: %w", err)
	}
	sum := sha256.Sum256([]byte(token))
	k.issuedSum = sum[:]
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // serde_json does not escape <, > and &
	if err := enc.Encode(tokenMessage{Token: token, TeeKeypair: k.keyPEM}); err != nil {
		return nil, fmt.Errorf("aa: kbs token: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// isIssued reports whether hexSHA256 is the digest of the token last
// handed out. A malformed digest names no token.
func (k *kbsTokens) isIssued(hexSHA256 string) bool {
	if hexSHA256 == "" || k.issuedSum == nil {
		return false
	}
	sum, err := hex.DecodeString(hexSHA256)
	return err == nil && subtle.ConstantTimeCompare(sum, k.issuedSum) == 1
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
