package token

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// ErrNoTeePubKey means no claim path holds a TEE public key.
var ErrNoTeePubKey = errors.New("no tee-pubkey claim in the attestation token")

// builtinTeePubKeyPaths are where the token formats upstream KBS knows keep
// the TEE key, tried in upstream's order after the configured extra paths.
var builtinTeePubKeyPaths = []string{
	"/tdx/attester_runtime_data/tee-pubkey",                                        // Intel Trust Authority
	"/tdx/attester_user_data/tee-pubkey",                                           // Intel Trust Authority, vTPM
	"/customized_claims/runtime_data/tee-pubkey",                                   // legacy CoCo "simple" token
	"/submods/cpu0/ear.veraison.annotated-evidence/runtime_data_claims/tee-pubkey", // EAR
	"/tee-pubkey",
}

// TeePubKey extracts the TEE public key from verified token claims. The
// first JSON pointer (extraPaths, then the built-in ones) that resolves wins;
// if its value is not a valid key the result is an error, not the next path.
func TeePubKey(claims map[string]any, extraPaths []string) (kbs.TeePubKey, error) {
	for _, paths := range [][]string{extraPaths, builtinTeePubKeyPaths} {
		for _, path := range paths {
			if value, ok := lookupPointer(claims, path); ok {
				key, err := decodeTeePubKey(value)
				if err != nil {
					return kbs.TeePubKey{}, fmt.Errorf("tee-pubkey at %s: %w", path, err)
				}
				return key, nil
			}
		}
	}
	return kbs.TeePubKey{}, ErrNoTeePubKey
}

// decodeTeePubKey accepts what kbs-types' TeePubKey (tagged by "kty")
// accepts: EC {crv, alg, x, y} or RSA {alg, n, e}; other members are ignored.
func decodeTeePubKey(value any) (kbs.TeePubKey, error) {
	obj, ok := value.(map[string]any)
	if !ok {
		return kbs.TeePubKey{}, errors.New("not a JSON object")
	}
	member := func(name string) string { s, _ := obj[name].(string); return s }
	key := kbs.TeePubKey{Kty: member("kty"), Alg: member("alg")}
	var required []string
	switch key.Kty {
	case "EC":
		key.Crv, key.X, key.Y = member("crv"), member("x"), member("y")
		required = []string{"alg", "crv", "x", "y"}
	case "RSA":
		key.N, key.E = member("n"), member("e")
		required = []string{"alg", "n", "e"}
	default:
		return kbs.TeePubKey{}, fmt.Errorf("unsupported kty %q (want EC or RSA)", key.Kty)
	}
	for _, name := range required {
		if member(name) == "" {
			return kbs.TeePubKey{}, fmt.Errorf("%s key lacks a string %q", key.Kty, name)
		}
	}
	return key, nil
}

// lookupPointer resolves an RFC 6901 JSON pointer the way serde_json's
// Value::pointer does: "" is the whole document, other pointers start with
// "/", and array indices are decimal without leading zeros.
func lookupPointer(doc any, pointer string) (any, bool) {
	if pointer == "" {
		return doc, true
	}
	if !strings.HasPrefix(pointer, "/") {
		return nil, false
	}
	for _, token := range strings.Split(pointer[1:], "/") {
		token = strings.ReplaceAll(strings.ReplaceAll(token, "~1", "/"), "~0", "~")
		switch node := doc.(type) {
		case map[string]any:
			next, ok := node[token]
			if !ok {
				return nil, false
			}
			doc = next
		case []any:
			index, ok := arrayIndex(token, len(node))
			if !ok {
				return nil, false
			}
			doc = node[index]
		default:
			return nil, false
		}
	}
	return doc, true
}

func arrayIndex(token string, length int) (int, bool) {
	if token == "" || token[0] == '+' || (len(token) > 1 && token[0] == '0') {
		return 0, false
	}
	index, err := strconv.Atoi(token)
	if err != nil || index < 0 || index >= length {
		return 0, false
	}
	return index, true
}
