package token

import (
	"sync"

	"github.com/cocoon-cc/cocoon/internal/gencache"
)

// verifiedGeneration bounds each of verifiedTokens' two generations. An RCAR
// client reads its resources within moments of /attest, and a passport
// token is presented again and again, so a small working set catches both.
// Kept small because decoded claims are ~80 heap objects each, which the
// garbage collector marks on every cycle: 2,048 entries made the live heap
// ~160k objects and its marking showed as latency spikes under load.
const verifiedGeneration = 256

// verifiedTokens remembers tokens whose signature and key provenance are
// settled, with their decoded claims, so that a token presented again (the
// session token at each resource read, a passport token at each request) is
// not verified and decoded again. Entries are keyed by the token's exact
// text: only the very bytes that verified, or that a trusted co-located
// issuer signed, can hit. The validity period is not cached: Verify checks
// exp and nbf on every use.
type verifiedTokens struct {
	cache *gencache.Cache[string, *verifiedToken]
}

// verifiedToken is one settled token. An issued token's payload is decoded
// on first use, so tokens that are never presented back cost no decoding.
type verifiedToken struct {
	payload []byte
	once    sync.Once
	claims  map[string]any
	err     error
}

func newVerifiedTokens(generation int) *verifiedTokens {
	return &verifiedTokens{cache: gencache.New[string, *verifiedToken](generation)}
}

// claimsOf decodes the payload once.
func (t *verifiedToken) claimsOf() (map[string]any, error) {
	t.once.Do(func() {
		t.claims, t.err = decodeClaims(t.payload)
		t.payload = nil
	})
	return t.claims, t.err
}

func (c *verifiedTokens) get(token string) (*verifiedToken, bool) { return c.cache.Get(token) }

// addClaims remembers a token that passed verification.
func (c *verifiedTokens) addClaims(token string, claims map[string]any) {
	t := &verifiedToken{claims: claims}
	t.once.Do(func() {})
	c.cache.Put(token, t)
}

// addIssued remembers a token the trusted issuer just signed over payload.
func (c *verifiedTokens) addIssued(token string, payload []byte) {
	c.cache.Put(token, &verifiedToken{payload: payload})
}
