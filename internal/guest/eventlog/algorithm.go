package eventlog

import (
	"fmt"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// TCG algorithm ids (TPM_ALG_ID) of the digests in a record.
const (
	AlgSHA256 uint16 = 0x000B
	AlgSHA384 uint16 = 0x000C
	AlgSHA512 uint16 = 0x000D
	AlgSM3    uint16 = 0x0012
)

// digestSizes are the digest lengths the parser accepts, per algorithm id.
// SM3 (Hygon CSV) can be parsed but not computed here.
var digestSizes = map[uint16]int{AlgSHA256: 32, AlgSHA384: 48, AlgSHA512: 64, AlgSM3: 32}

// tcgAlgorithm maps a kbs-types hash name to its TCG id.
func tcgAlgorithm(h kbs.HashAlgorithm) (uint16, error) {
	switch h {
	case kbs.SHA256:
		return AlgSHA256, nil
	case kbs.SHA384:
		return AlgSHA384, nil
	case kbs.SHA512:
		return AlgSHA512, nil
	}
	return 0, fmt.Errorf("eventlog: %w: %q", kbs.ErrUnsupportedHashAlgorithm, string(h))
}
