package restapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// ErrBadRequest is wrapped by every reason a query or body is refused.
var ErrBadRequest = errors.New("bad request")

// encodingBase64 is the one encoding= value upstream knows.
const encodingBase64 = "base64"

// decodeRuntimeData is the report data of an /aa/evidence query: the UTF-8
// bytes of runtime_data, or with encoding=base64 its URL-safe unpadded
// base64 decoding. Unlike Go's decoder, upstream's refuses CR and LF.
func decodeRuntimeData(value string, encoding *string) ([]byte, error) {
	if encoding == nil {
		return []byte(value), nil
	}
	if *encoding != encodingBase64 {
		return nil, fmt.Errorf("%w: unsupported runtime_data encoding %q", ErrBadRequest, *encoding)
	}
	if strings.ContainsAny(value, "\r\n") {
		return nil, fmt.Errorf("%w: runtime_data is not URL-safe base64 without padding", ErrBadRequest)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("%w: runtime_data is not URL-safe base64 without padding", ErrBadRequest)
	}
	return b, nil
}

// aaelEvent is the body of POST /aa/aael.
type aaelEvent struct {
	Domain, Operation, Content string
}

// aaelFields are the body's members, all required strings.
var aaelFields = [...]string{"domain", "operation", "content"}

// parseAAELEvent reads the body as upstream's serde does: an object with
// the three string members (case-sensitive, each once, other members
// ignored) or an array of exactly three strings, and nothing after it.
func parseAAELEvent(body []byte) (aaelEvent, error) {
	if !utf8.Valid(body) {
		return aaelEvent{}, fmt.Errorf("%w: body is not UTF-8", ErrBadRequest)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var values [len(aaelFields)]*string
	var err error
	switch tok, terr := dec.Token(); tok {
	case json.Delim('{'):
		err = readAAELObject(dec, &values)
	case json.Delim('['):
		err = readAAELArray(dec, &values)
	default:
		if terr != nil {
			return aaelEvent{}, fmt.Errorf("%w: %w", ErrBadRequest, terr)
		}
		return aaelEvent{}, fmt.Errorf("%w: want an object with domain, operation and content", ErrBadRequest)
	}
	if err != nil {
		return aaelEvent{}, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return aaelEvent{}, fmt.Errorf("%w: trailing characters after the event", ErrBadRequest)
	}
	for i, v := range values {
		if v == nil {
			return aaelEvent{}, fmt.Errorf("%w: missing field %q", ErrBadRequest, aaelFields[i])
		}
	}
	return aaelEvent{Domain: *values[0], Operation: *values[1], Content: *values[2]}, nil
}

func readAAELObject(dec *json.Decoder, values *[len(aaelFields)]*string) error {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadRequest, err)
		}
		name, _ := tok.(string)
		i := fieldIndex(name)
		if i < 0 {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fmt.Errorf("%w: %w", ErrBadRequest, err)
			}
			continue
		}
		if values[i] != nil {
			return fmt.Errorf("%w: duplicate field %q", ErrBadRequest, name)
		}
		if values[i], err = decodeString(dec, name); err != nil {
			return err
		}
	}
	return closeDelim(dec)
}

func readAAELArray(dec *json.Decoder, values *[len(aaelFields)]*string) error {
	for i, name := range aaelFields {
		if !dec.More() {
			return fmt.Errorf("%w: array of %d elements, want %d", ErrBadRequest, i, len(aaelFields))
		}
		var err error
		if values[i], err = decodeString(dec, name); err != nil {
			return err
		}
	}
	if dec.More() {
		return fmt.Errorf("%w: array of more than %d elements", ErrBadRequest, len(aaelFields))
	}
	return closeDelim(dec)
}

func fieldIndex(name string) int {
	for i, f := range aaelFields {
		if f == name {
			return i
		}
	}
	return -1
}

// decodeString decodes the next value, which must be a JSON string (null
// is refused, as serde refuses it for a String).
func decodeString(dec *json.Decoder, name string) (*string, error) {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return nil, fmt.Errorf("%w: %s must be a string", ErrBadRequest, name)
	}
	return &s, nil
}

// closeDelim consumes the '}' or ']' that ends the value.
func closeDelim(dec *json.Decoder) error {
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	return nil
}
