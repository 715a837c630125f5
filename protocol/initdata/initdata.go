// Package initdata parses the CoCo init-data document: the TOML file a pod
// hands to its guest, whose digest the TEE binds into its evidence (TDX
// MRCONFIGID, SNP HOST_DATA, ...) and whose contents Trustee turns into
// "init_data_claims" for policies.
package initdata

import (
	"errors"
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// Version is the only init-data version defined.
const Version = "0.1.0"

// ErrInvalid wraps every reason a document is refused.
var ErrInvalid = errors.New("invalid init-data")

// Document is a parsed init-data TOML document.
type Document struct {
	Version   string
	Algorithm kbs.HashAlgorithm
	// Data maps file names ("aa.toml", "cdh.toml", "policy.rego", ...) to
	// their contents.
	Data map[string]string
}

// wireDocument mirrors the TOML keys; all three are required, as upstream's
// serde struct has no defaults.
type wireDocument struct {
	Version   string            `toml:"version"`
	Algorithm string            `toml:"algorithm"`
	Data      map[string]string `toml:"data"`
}

// Parse decodes an init-data document. It is stricter than upstream, which
// ignores unknown keys and the version: a misspelt key would otherwise be
// silently dropped while still changing the digest the TEE is bound to.
func Parse(body []byte) (*Document, error) {
	var wire wireDocument
	meta, err := toml.Decode(string(body), &wire)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if undecoded := meta.Undecoded(); len(undecoded) > 0 {
		return nil, fmt.Errorf("%w: unknown key %q (want version, algorithm and [data])", ErrInvalid, undecoded[0].String())
	}
	for _, key := range []string{"version", "algorithm", "data"} {
		if !meta.IsDefined(key) {
			return nil, fmt.Errorf("%w: missing %q", ErrInvalid, key)
		}
	}
	if wire.Version != Version {
		return nil, fmt.Errorf("%w: version %q is not supported (want %q)", ErrInvalid, wire.Version, Version)
	}
	algorithm, err := parseAlgorithm(wire.Algorithm)
	if err != nil {
		return nil, err
	}
	return &Document{Version: wire.Version, Algorithm: algorithm, Data: wire.Data}, nil
}

// parseAlgorithm accepts the kbs-types names. The init-data spec text shows
// IANA names such as "sha-384", which upstream's code rejects; so do we,
// with a hint, because a guest would otherwise fail to attest much later.
func parseAlgorithm(name string) (kbs.HashAlgorithm, error) {
	algorithm, err := kbs.ParseHashAlgorithm(name)
	if err == nil {
		return algorithm, nil
	}
	hint := ""
	if fixed := strings.ReplaceAll(strings.ToLower(name), "-", ""); fixed != name {
		if _, err := kbs.ParseHashAlgorithm(fixed); err == nil {
			hint = fmt.Sprintf(" (did you mean %q?)", fixed)
		}
	}
	return "", fmt.Errorf("%w: algorithm %q is not supported: use sha256, sha384 or sha512, lowercase without hyphen%s",
		ErrInvalid, name, hint)
}

// Digest hashes body, the document exactly as received, with the document's
// algorithm. Re-encoding the TOML would change the digest, so callers must
// pass the same bytes they parsed.
func (d *Document) Digest(body []byte) ([]byte, error) {
	return d.Algorithm.Sum(body)
}
