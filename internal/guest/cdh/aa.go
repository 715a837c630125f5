package cdh

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/containerd/ttrpc"

	aaapi "github.com/cocoon-cc/cocoon/api/attestation-agent"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

const (
	// aaTokenTimeout is upstream's 50 s ttRPC timeout for GetToken.
	aaTokenTimeout = 50 * time.Second
	tokenTypeKBS   = "kbs"
	// rejectedTokenMetadata is aa.RejectedTokenMetadata: the ttRPC request
	// metadata naming, by hex SHA-256, the token the KBS refused, so that
	// Cocoon's agent replaces its cached token. Upstream's agent ignores
	// it; it caches nothing.
	rejectedTokenMetadata = "cocoon-token-rejected"
)

// AATokens gets KBS tokens from the attestation-agent over ttRPC. It dials
// on first use, since the agent may start after the CDH, and again after
// the connection is lost.
type AATokens struct {
	socket string

	mu     sync.Mutex
	conn   *ttrpc.Client
	client aaapi.TTRPCAttestationAgentServiceService
}

var (
	_ TokenProvider = (*AATokens)(nil)
	_ TokenReplacer = (*AATokens)(nil)
)

// NewAATokens returns a token provider for the agent at a unix:// address.
func NewAATokens(socket string) (*AATokens, error) {
	if _, err := SocketPath(socket); err != nil {
		return nil, fmt.Errorf("attestation-agent socket: %w", err)
	}
	return &AATokens{socket: socket}, nil
}

// tokenReply is GetToken("kbs")'s JSON.
type tokenReply struct {
	Token      string `json:"token"`
	TeeKeyPair string `json:"tee_keypair"`
}

// Token calls GetToken("kbs") and parses the token and its PEM key.
func (a *AATokens) Token(ctx context.Context) (string, *kbs.TeeKeyPair, error) {
	return a.getToken(ctx)
}

// ReplaceToken calls GetToken("kbs") naming rejected in the request
// metadata, so that the agent attests again rather than answering its
// cached token. The token itself never leaves the CDH, only its digest.
func (a *AATokens) ReplaceToken(ctx context.Context, rejected string) (string, *kbs.TeeKeyPair, error) {
	sum := sha256.Sum256([]byte(rejected))
	md := ttrpc.MD{}
	md.Set(rejectedTokenMetadata, hex.EncodeToString(sum[:]))
	return a.getToken(ttrpc.WithMetadata(ctx, md))
}

func (a *AATokens) getToken(ctx context.Context) (string, *kbs.TeeKeyPair, error) {
	client, err := a.dial(ctx)
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, aaTokenTimeout)
	defer cancel()
	resp, err := client.GetToken(ctx, &aaapi.GetTokenRequest{TokenType: tokenTypeKBS})
	if err != nil {
		if errors.Is(err, ttrpc.ErrClosed) {
			a.forget(client)
		}
		return "", nil, fmt.Errorf("attestation-agent GetToken: %w", err)
	}
	var reply tokenReply
	if err := json.Unmarshal(resp.GetToken(), &reply); err != nil {
		return "", nil, fmt.Errorf("attestation-agent GetToken reply: %w", err)
	}
	key, err := kbs.ParseTeeKeyPairPEM([]byte(reply.TeeKeyPair), "")
	if err != nil {
		return "", nil, fmt.Errorf("attestation-agent GetToken reply: %w", err)
	}
	return reply.Token, key, nil
}

func (a *AATokens) dial(ctx context.Context) (aaapi.TTRPCAttestationAgentServiceService, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.client != nil {
		return a.client, nil
	}
	path, _ := SocketPath(a.socket)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("connect to the attestation-agent: %w", err)
	}
	a.conn = ttrpc.NewClient(conn)
	a.client = aaapi.NewTTRPCAttestationAgentServiceClient(a.conn)
	return a.client, nil
}

// forget drops a closed connection so the next call dials again.
func (a *AATokens) forget(client aaapi.TTRPCAttestationAgentServiceService) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.client == client {
		_ = a.conn.Close()
		a.conn, a.client = nil, nil
	}
}

// Close closes the connection, if any.
func (a *AATokens) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conn == nil {
		return nil
	}
	err := a.conn.Close()
	a.conn, a.client = nil, nil
	return err
}
