package as

import (
	"unicode/utf8"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// runtimeDataClaims builds what decoding JCS(v) gives back when v is made
// only of valid UTF-8 strings, string-keyed maps of such values and
// TeePubKeys, which is what the KBS passes: such values survive the round
// trip unchanged, so the canonical text need not be parsed again. ok is
// false for anything else, which bindRuntimeData then decodes.
func runtimeDataClaims(v any) (claims any, ok bool) {
	switch v := v.(type) {
	case string:
		return v, utf8.ValidString(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, member := range v {
			if !utf8.ValidString(k) {
				return nil, false
			}
			if out[k], ok = runtimeDataClaims(member); !ok {
				return nil, false
			}
		}
		return out, true
	case kbs.TeePubKey:
		return teePubKeyClaims(v)
	default:
		return nil, false
	}
}

// teePubKeyClaims is the key as its JSON encoding has it: kty and alg
// always, the other members when set.
func teePubKeyClaims(k kbs.TeePubKey) (map[string]any, bool) {
	members := [...]struct {
		name, value string
		always      bool
	}{{"kty", k.Kty, true}, {"alg", k.Alg, true}, {"crv", k.Crv, false}, {"x", k.X, false}, {"y", k.Y, false}, {"n", k.N, false}, {"e", k.E, false}}
	out := make(map[string]any, 4)
	for _, m := range members {
		if m.value == "" && !m.always {
			continue
		}
		if !utf8.ValidString(m.value) {
			return nil, false
		}
		out[m.name] = m.value
	}
	return out, true
}
