package as

import (
	"fmt"

	"github.com/cocoon-cc/cocoon/protocol/initdata"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// initDataFormatTOML is the only init-data format defined.
const initDataFormatTOML = "toml"

// boundInitData is what the evidence must be bound to and what the policy
// learns from an init-data document.
type boundInitData struct {
	// digest is the document's algorithm over the body exactly as received.
	digest []byte
	// claims are the document's data with aa.toml and cdh.toml parsed and
	// policy.rego reduced to agent_policy_claims; nil without init-data.
	claims any
}

func parseInitData(in *kbs.InitData) (boundInitData, error) {
	if in == nil {
		return boundInitData{}, nil
	}
	if in.Format != initDataFormatTOML {
		return boundInitData{}, fmt.Errorf("%w %q: only %q is defined", ErrUnsupportedInitDataFormat, in.Format, initDataFormatTOML)
	}
	body := []byte(in.Body)
	doc, err := initdata.Parse(body)
	if err != nil {
		return boundInitData{}, fmt.Errorf("%w: %w", ErrInvalidInitData, err)
	}
	digest, err := doc.Digest(body)
	if err != nil {
		return boundInitData{}, fmt.Errorf("%w: %w", ErrInvalidInitData, err)
	}
	claims, err := doc.Claims()
	if err != nil {
		return boundInitData{}, fmt.Errorf("%w: %w", ErrInvalidInitData, err)
	}
	return boundInitData{digest: digest, claims: claims}, nil
}
