// Package ccel parses the confidential-computing event log (CCEL): the
// TCG2 "crypto-agile" event log a TD's firmware leaves in the CCEL ACPI
// table, followed by the attestation-agent's AAEL records and an end
// marker. It replays the log into the CC measurement registers (RTMRs on
// TDX) and renders the events as Trustee's "uefi_event_logs" claims,
// byte for byte as upstream's deps/eventlog does, including its quirks.
package ccel

import (
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
)

var (
	// ErrMalformed means the bytes are not an event log this parser accepts.
	ErrMalformed = errors.New("ccel: malformed event log")
	// ErrReplayMismatch means a register replayed from the log differs
	// from the value the TEE reported.
	ErrReplayMismatch = errors.New("ccel: event log does not replay to the reported register")
)

// Algorithm is a TCG algorithm id (TPM_ALG_ID).
type Algorithm uint16

// The algorithms upstream's parser knows.
const (
	AlgRSA    Algorithm = 0x0001
	AlgTDES   Algorithm = 0x0003
	AlgSHA1   Algorithm = 0x0004
	AlgSHA256 Algorithm = 0x000B
	AlgSHA384 Algorithm = 0x000C
	AlgSHA512 Algorithm = 0x000D
	AlgSM3    Algorithm = 0x0012
)

var algorithmNames = map[Algorithm]string{
	AlgRSA: "RSA", AlgTDES: "TDES", AlgSHA1: "SHA-1", AlgSHA256: "SHA-256",
	AlgSHA384: "SHA-384", AlgSHA512: "SHA-512", AlgSM3: "SM3",
}

// String is the algorithm's name in the claims ("SHA-384").
func (a Algorithm) String() string {
	if n, ok := algorithmNames[a]; ok {
		return n
	}
	return fmt.Sprintf("0x%04x", uint16(a))
}

// newHash returns the hash of a, or an error for algorithms that cannot be
// computed here. SM3 (Hygon CSV) is parsed but not computed: no SM3 in the
// standard library, and a TDX log never needs it.
func (a Algorithm) newHash() (hash.Hash, error) {
	switch a {
	case AlgSHA256:
		return sha256.New(), nil
	case AlgSHA384:
		return sha512.New384(), nil
	case AlgSHA512:
		return sha512.New(), nil
	}
	return nil, fmt.Errorf("ccel: digest algorithm %s not supported", a)
}

// EventLog is a parsed event log. The spec-id header event is not part of
// Events, as upstream leaves it out of the claims.
type EventLog struct {
	Events []Event
}

// Event is one measured event.
type Event struct {
	// Index is the CC measurement register the event extends: 1 is RTMR0
	// on TDX.
	Index uint32
	Type  EventType
	// Digests are the event's digests, one per algorithm of the log.
	Digests []Digest
	// Data is the raw event data.
	Data []byte
	// Details are the fields upstream decodes from Data for this type.
	Details Details
	// DigestMatchesEvent is true when every digest is the hash of Data;
	// firmware often measures something else (a blob, a table) instead.
	DigestMatchesEvent bool
}

// Digest is one digest of an event.
type Digest struct {
	Alg   Algorithm
	Value []byte
}

// Details are the decoded fields of an event; nil fields are absent from
// the claims, as upstream skips them.
type Details struct {
	String             *string
	UnicodeName        *string
	UnicodeNameLength  *uint64
	VariableData       *string
	VariableDataLength *uint64
	VariableName       *string
	DevicePaths        []string
	// Data is the decoded AAEL entry {domain, operation, content}.
	Data map[string]any
}
