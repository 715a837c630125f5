package keyprovider

import (
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/cocoon-cc/cocoon/internal/guest/resourceuri"
	"github.com/cocoon-cc/cocoon/internal/guest/secret"
)

// Parameter names of an attestation-agent recipient.
const (
	paramKeyID     = "keyid"
	paramKeyPath   = "keypath"
	paramAlgorithm = "algorithm"
	paramSample    = "sample"
)

// defaultKeyRepo is where a KEK without keyid is named, as upstream, but
// with the kbs:// scheme CDH requires.
const defaultKeyRepo = "kbs:///default/image-kek/"

// Params are the parsed recipient parameters of one layer.
type Params struct {
	// KID is the resource URI written into the AnnotationPacket.
	KID string
	// KeyID is KID parsed.
	KeyID resourceuri.URI
	// KeyPath is the file holding the 32-byte KEK, or "" for a random KEK.
	KeyPath string
	// Algorithm wraps the layer key options with the KEK.
	Algorithm secret.WrapType
}

// ParseParams parses "keyid=...::keypath=...::algorithm=...".
func ParseParams(s string) (Params, error) {
	fields := map[string]string{}
	for _, field := range strings.Split(s, "::") {
		if field == "" {
			continue
		}
		name, value, ok := strings.Cut(field, "=")
		if !ok {
			return Params{}, fmt.Errorf("%w: parameter %q is not <name>=<value>", ErrInvalidRequest, truncate(field))
		}
		if _, dup := fields[name]; dup {
			return Params{}, fmt.Errorf("%w: parameter %q given twice", ErrInvalidRequest, truncate(name))
		}
		fields[name] = value
	}
	p := Params{KeyPath: fields[paramKeyPath], Algorithm: secret.A256GCM}
	for name, value := range fields {
		switch name {
		case paramKeyID, paramKeyPath:
		case paramAlgorithm:
			p.Algorithm = secret.WrapType(value)
			if _, err := p.Algorithm.IVSize(); err != nil {
				return Params{}, fmt.Errorf("%w: algorithm %q: want A256GCM or A256CTR", ErrInvalidRequest, truncate(value))
			}
		case paramSample:
			return Params{}, fmt.Errorf("%w: sample=%s: upstream's sample mode uses a hard-coded public key; give keyid (and keypath) instead", ErrInvalidRequest, truncate(value))
		default:
			return Params{}, fmt.Errorf("%w: unknown parameter %q; want keyid, keypath or algorithm", ErrInvalidRequest, truncate(name))
		}
	}
	kid, err := normalizeKeyID(fields[paramKeyID])
	if err != nil {
		return Params{}, err
	}
	if p.KeyID, err = resourceuri.Parse(kid); err != nil {
		return Params{}, fmt.Errorf("%w: keyid: %w", ErrInvalidRequest, err)
	}
	p.KID = kid
	return p, nil
}

// normalizeKeyID turns every keyid form upstream accepts into a resource
// URI CDH accepts: kbs[+plugin]://... stays as written, <host>/<r>/<t>/<g>
// and /<r>/<t>/<g> gain the kbs:// scheme, and no keyid names a fresh
// resource under default/image-kek.
func normalizeKeyID(keyID string) (string, error) {
	switch {
	case keyID == "":
		return defaultKeyRepo + uuid.NewString(), nil
	case strings.Contains(keyID, "://"):
		return keyID, nil
	case strings.Count(keyID, "/") == 3:
		return "kbs://" + keyID, nil
	}
	return "", fmt.Errorf("%w: keyid %q: want kbs:///<repo>/<type>/<tag>, kbs://<kbs-host>/<repo>/<type>/<tag>, "+
		"<kbs-host>/<repo>/<type>/<tag> or /<repo>/<type>/<tag>", ErrInvalidRequest, truncate(keyID))
}

// resourcePath is "<repo>/<type>/<tag>" of a kbs:// URI, the admin API's
// resource path.
func resourcePath(u resourceuri.URI) (string, error) {
	if u.Plugin != resourceuri.DefaultPlugin || u.Query != "" {
		return "", fmt.Errorf("%w: keyid of plugin %q: the KBS admin API registers only kbs:///<repo>/<type>/<tag> resources", ErrInvalidRequest, u.Plugin)
	}
	return strings.Join(u.Path, "/"), nil
}

// truncate bounds attacker-chosen text quoted in errors.
func truncate(s string) string {
	const limit = 128
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}
