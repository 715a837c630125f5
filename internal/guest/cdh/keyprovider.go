package cdh

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// errKeyProviderInput is wrapped when UnWrapKey's input cannot be parsed;
// upstream answers those with a fixed message.
var errKeyProviderInput = errors.New("key provider input")

// keyProviderInput is ocicrypt's keyprovider request; only what UnWrapKey
// reads is typed. op, keywrapparams and keyunwrapparams are required, as
// upstream's serde structs require them.
type keyProviderInput struct {
	Op              *string          `json:"op"`
	KeyWrapParams   *json.RawMessage `json:"keywrapparams"`
	KeyUnwrapParams *struct {
		Annotation *string `json:"annotation"`
	} `json:"keyunwrapparams"`
}

// parseUnwrapRequest returns the AnnotationPacket JSON of an UnWrapKey request.
func parseUnwrapRequest(b []byte) ([]byte, error) {
	var in keyProviderInput
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("%w: %w", errKeyProviderInput, err)
	}
	if in.Op == nil || in.KeyWrapParams == nil || in.KeyUnwrapParams == nil {
		return nil, fmt.Errorf("%w: op, keywrapparams and keyunwrapparams are required", errKeyProviderInput)
	}
	if in.KeyUnwrapParams.Annotation == nil {
		return nil, fmt.Errorf("%w: no AnnotationPacket given", errKeyProviderInput)
	}
	packet, err := base64.StdEncoding.Strict().DecodeString(*in.KeyUnwrapParams.Annotation)
	if err != nil {
		return nil, fmt.Errorf("%w: annotation is not standard base64", errKeyProviderInput)
	}
	return packet, nil
}

// unwrapReply is {"keyunwrapresults":{"optsdata":[...]}} with optsdata as
// a JSON array of integers: ocicrypt-rs reads only that, and Go's ocicrypt
// decodes it into []byte as well.
func unwrapReply(optsdata []byte) []byte {
	b := make([]byte, 0, len(`{"keyunwrapresults":{"optsdata":[]}}`)+4*len(optsdata))
	b = append(b, `{"keyunwrapresults":{"optsdata":[`...)
	for i, v := range optsdata {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(v), 10)
	}
	return append(b, "]}}"...)
}
