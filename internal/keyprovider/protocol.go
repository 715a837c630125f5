package keyprovider

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
)

// ProviderName is the ocicrypt key provider name whose parameters WrapKey
// reads and whose annotation CDH unwraps:
// org.opencontainers.image.enc.keys.provider.attestation-agent.
const ProviderName = "attestation-agent"

// opKeyWrap is the only operation WrapKey serves.
const opKeyWrap = "keywrap"

// maxInput bounds a WrapKey request; real ones are a few hundred bytes.
const maxInput = 1 << 20

// wrapRequest is what WrapKey reads of ocicrypt's
// KeyProviderKeyWrapProtocolInput JSON: byte strings are standard base64,
// as Go's ocicrypt writes them.
type wrapRequest struct {
	Op            string `json:"op"`
	KeyWrapParams *struct {
		EC *struct {
			Parameters map[string][]string `json:"Parameters"`
		} `json:"ec"`
		OptsData *string `json:"optsdata"`
	} `json:"keywrapparams"`
}

// parseWrapRequest returns the layer key options and the one recipient
// parameter string of provider attestation-agent.
func parseWrapRequest(b []byte) (optsData []byte, params string, err error) {
	if len(b) > maxInput {
		return nil, "", fmt.Errorf("%w: request is larger than %d bytes", ErrInvalidRequest, maxInput)
	}
	var req wrapRequest
	if err := json.Unmarshal(b, &req); err != nil {
		return nil, "", fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	if req.Op != opKeyWrap {
		return nil, "", fmt.Errorf("%w: op %q, want %q", ErrInvalidRequest, truncate(req.Op), opKeyWrap)
	}
	kw := req.KeyWrapParams
	if kw == nil || kw.OptsData == nil {
		return nil, "", fmt.Errorf("%w: keywrapparams.optsdata is missing", ErrInvalidRequest)
	}
	if kw.EC == nil {
		return nil, "", fmt.Errorf("%w: keywrapparams.ec is missing", ErrInvalidRequest)
	}
	recipients := kw.EC.Parameters[ProviderName]
	if len(recipients) != 1 {
		return nil, "", fmt.Errorf("%w: want exactly one %s recipient, got %d", ErrInvalidRequest, ProviderName, len(recipients))
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(recipients[0])
	if err != nil {
		return nil, "", fmt.Errorf("%w: %s parameters are not standard base64", ErrInvalidRequest, ProviderName)
	}
	optsData, err = base64.StdEncoding.Strict().DecodeString(*kw.OptsData)
	if err != nil {
		return nil, "", fmt.Errorf("%w: optsdata is not standard base64", ErrInvalidRequest)
	}
	return optsData, string(raw), nil
}

// AnnotationPacket is the v1 packet upstream's coco_keyprovider writes;
// CDH reads it as v2 with version 0.1.0 and provider kbs.
type AnnotationPacket struct {
	Kid         string `json:"kid"`
	WrappedData string `json:"wrapped_data"` // std base64 of the wrapped key options
	IV          string `json:"iv"`           // std base64
	WrapType    string `json:"wrap_type"`
}

// wrapReply is {"keywrapresults":{"annotation":[...]}} with the packet as
// a JSON array of integers, as upstream answers: Go's ocicrypt decodes
// that into []byte like a base64 string, and Rust consumers need it.
func wrapReply(packet []byte) []byte {
	const head, tail = `{"keywrapresults":{"annotation":[`, `]}}`
	b := make([]byte, 0, len(head)+4*len(packet)+len(tail))
	b = append(b, head...)
	for i, v := range packet {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(v), 10)
	}
	return append(b, tail...)
}
