package rvps

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// messageVersion is the only registration message version upstream defines.
const messageVersion = "0.1.0"

// message is upstream's rvps Message. Upstream's README calls the payload
// "provenance"; unknown members are refused so that mistake gets a clear
// error rather than "missing payload".
type message struct {
	Version *string `json:"version"`
	Type    string  `json:"type"`
	Payload *string `json:"payload"`
}

type parsedMessage struct {
	Type    string
	Payload string
}

func parseMessage(data []byte) (parsedMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var msg message
	if err := dec.Decode(&msg); err != nil {
		return parsedMessage{}, fmt.Errorf("%w: %w", ErrInvalidMessage, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return parsedMessage{}, fmt.Errorf("%w: trailing data after the message", ErrInvalidMessage)
	}
	if msg.Version != nil && *msg.Version != messageVersion {
		return parsedMessage{}, fmt.Errorf("%w: version %q is not supported (want %q)", ErrInvalidMessage, *msg.Version, messageVersion)
	}
	if msg.Type == "" {
		return parsedMessage{}, fmt.Errorf("%w: missing \"type\"", ErrInvalidMessage)
	}
	if msg.Payload == nil {
		return parsedMessage{}, fmt.Errorf("%w: missing \"payload\"", ErrInvalidMessage)
	}
	return parsedMessage{Type: msg.Type, Payload: *msg.Payload}, nil
}
