package token

import (
	"encoding/json"
	"sync"

	jose "github.com/go-jose/go-jose/v4"
)

// keyCacheSize bounds keyCache: an issuer has one key, a few replicas or a
// key rotation a few more.
const keyCacheSize = 16

// keyCache remembers header JWKs trusted without a certificate chain (a
// pinned key, or any key in insecure mode) by their exact JSON text, so a
// token does not parse its issuer's key again. Only a key that verified a
// token's signature gets in, so outside insecure mode an attacker cannot
// put keys in, and only keyCacheSize of them, so nothing can grow it.
type keyCache struct {
	mu   sync.RWMutex
	keys map[string]jose.JSONWebKey
}

func (c *keyCache) get(raw json.RawMessage) (jose.JSONWebKey, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	key, ok := c.keys[string(raw)]
	return key, ok
}

func (c *keyCache) add(raw json.RawMessage, key jose.JSONWebKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.keys) >= keyCacheSize {
		return
	}
	if c.keys == nil {
		c.keys = make(map[string]jose.JSONWebKey, keyCacheSize)
	}
	c.keys[string(raw)] = key
}
