package snp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Bytes is a byte string that encodes in JSON as an array of integers, the
// way serde encodes Rust byte arrays in upstream's sev crate, rather than
// as base64.
type Bytes []byte

// MarshalJSON implements json.Marshaler.
func (b Bytes) MarshalJSON() ([]byte, error) {
	out := make([]byte, 0, 2+4*len(b))
	out = append(out, '[')
	for i, v := range b {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendUint(out, uint64(v), 10)
	}
	return append(out, ']'), nil
}

// UnmarshalJSON implements json.Unmarshaler. Like serde, it takes only an
// array of integers from 0 to 255: no null, no fractions, no strings.
func (b *Bytes) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) < 2 || data[0] != '[' || data[len(data)-1] != ']' {
		return errors.New("not an array of bytes")
	}
	inner := bytes.TrimSpace(data[1 : len(data)-1])
	if len(inner) == 0 {
		*b = Bytes{}
		return nil
	}
	// The decoder hands over valid JSON; an element that is not a plain
	// integer (a string holding a comma, say) fails to parse below.
	parts := bytes.Split(inner, []byte{','})
	out := make(Bytes, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseUint(string(bytes.TrimSpace(p)), 10, 8)
		if err != nil {
			return fmt.Errorf("element %d is not an integer from 0 to 255", i)
		}
		out[i] = byte(v)
	}
	*b = out
	return nil
}

// decodeObject decodes the JSON object data into v (a pointer to a struct
// without its own UnmarshalJSON) after checking that every required member
// is present and not null. encoding/json would take a missing member for
// zero, where serde refuses the document.
func decodeObject(data []byte, v any, required ...string) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil || members == nil {
		return errors.New("not a JSON object")
	}
	for _, name := range required {
		raw, ok := members[name]
		if !ok {
			return fmt.Errorf("missing member %q", name)
		}
		if string(bytes.TrimSpace(raw)) == "null" {
			return fmt.Errorf("member %q is null", name)
		}
	}
	return json.Unmarshal(data, v)
}
