package aa

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/containerd/ttrpc"

	pb "github.com/cocoon-cc/cocoon/api/attestation-agent"
	"github.com/cocoon-cc/cocoon/internal/guest/attester"
)

// rejecting is a context whose ttRPC request names token as refused.
func rejecting(ctx context.Context, digest string) context.Context {
	md := ttrpc.MD{}
	md.Set(RejectedTokenMetadata, digest)
	return ttrpc.WithMetadata(ctx, md)
}

func hexSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestGetTokenReplacesRejectedToken: the metadata naming the cached token
// makes the agent attest again, with the same key; a digest of any other
// token, or a malformed one, is answered from the cache.
func TestGetTokenReplacesRejectedToken(t *testing.T) {
	tr := newCountingTrustee(t)
	agent := newAgent(t, Options{Config: kbsConfig(tr.url, ""), Primary: attester.Sample{}})
	c := client(t, serve(t, agent))
	getToken := func(ctx context.Context) (token, keyPEM string) {
		t.Helper()
		answer, err := c.GetToken(ctx, &pb.GetTokenRequest{TokenType: TokenTypeKBS})
		if err != nil {
			t.Fatal(err)
		}
		return tokenAnswer(t, answer.GetToken())
	}
	wantAuths := func(want int64) {
		t.Helper()
		if n := tr.auths.Load(); n != want {
			t.Fatalf("%d attestation handshakes, want %d", n, want)
		}
	}

	first, key := getToken(t.Context())
	wantAuths(1)
	for _, digest := range []string{hexSHA256("a token the agent never issued"), "not hex", hexSHA256(first)[:62]} {
		if again, _ := getToken(rejecting(t.Context(), digest)); again != first {
			t.Fatalf("digest %q replaced the cached token", digest)
		}
	}
	wantAuths(1)

	second, secondKey := getToken(rejecting(t.Context(), hexSHA256(first)))
	if second == first {
		t.Fatal("the rejected token was answered again")
	}
	if secondKey != key {
		t.Fatal("the TEE key changed on re-attestation")
	}
	wantAuths(2)

	// A second caller refused the same, already replaced, token: it gets
	// the new one without another handshake.
	if again, _ := getToken(rejecting(t.Context(), hexSHA256(first))); again != second {
		t.Fatal("a stale rejection did not get the current token")
	}
	wantAuths(2)
}
