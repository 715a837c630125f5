package tpm

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrMalformedEventLog means the AAEL bytes are not TCG2 AAEL records.
var ErrMalformedEventLog = errors.New("tpm: malformed AAEL event log")

// TCG constants of an AAEL record (kbs/docs/confidential-containers-eventlog.md).
const (
	evEventTag      = 0x00000006 // EV_EVENT_TAG
	aaelTaggedEvent = 0x4141454c // "AAEL"
	// recordHeaderLen is register, type, digest count, algorithm, digest
	// and event size.
	recordHeaderLen = 4 + 4 + 4 + 2 + sha256.Size + 4
	taggedHeaderLen = 4 + 4
)

// Event is one AAEL record of a TPM: a TCG2 crypto-agile event of type
// EV_EVENT_TAG with a single SHA-256 digest, extended into PCR.
type Event struct {
	PCR    uint32
	Digest [sha256.Size]byte
	// Data is the TCG_PCClientTaggedEvent: the "AAEL" tag, a length and
	// the text "<domain> <operation> <content>".
	Data []byte
}

// AAELEntry is the text of an AAEL event.
type AAELEntry struct {
	Domain    string
	Operation string
	Content   string
}

// NewAAELEvent returns the record of one AAEL event to be extended into
// pcr. Domain and operation must be non-empty words; content must not hold
// a newline.
func NewAAELEvent(pcr uint32, e AAELEntry) (Event, error) {
	if e.Domain == "" || e.Operation == "" || strings.ContainsFunc(e.Domain+e.Operation, isSpace) {
		return Event{}, fmt.Errorf("tpm: AAEL domain %q and operation %q must be non-empty words", e.Domain, e.Operation)
	}
	if strings.Contains(e.Content, "\n") {
		return Event{}, errors.New("tpm: AAEL content must not contain a newline")
	}
	if pcr >= PCRCount {
		return Event{}, fmt.Errorf("tpm: PCR %d out of range", pcr)
	}
	text := e.Domain + " " + e.Operation + " " + e.Content
	data := binary.LittleEndian.AppendUint32(nil, aaelTaggedEvent)
	data = binary.LittleEndian.AppendUint32(data, uint32(len(text)))
	data = append(data, text...)
	return Event{PCR: pcr, Digest: sha256.Sum256(data), Data: data}, nil
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// AppendBinary appends the TCG2 record of e, as the attestation-agent
// writes it to its event log file.
func (e Event) AppendBinary(b []byte) ([]byte, error) {
	b = binary.LittleEndian.AppendUint32(b, e.PCR)
	b = binary.LittleEndian.AppendUint32(b, evEventTag)
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = binary.LittleEndian.AppendUint16(b, algSHA256)
	b = append(b, e.Digest[:]...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(e.Data)))
	return append(b, e.Data...), nil
}

// AAEL returns the event's text split as upstream does: at the first two
// spaces.
func (e Event) AAEL() (AAELEntry, error) {
	entry, err := parseTaggedEvent(e.Data)
	if err != nil {
		return AAELEntry{}, fmt.Errorf("%w: %w", ErrMalformedEventLog, err)
	}
	return entry, nil
}

func parseTaggedEvent(data []byte) (AAELEntry, error) {
	if len(data) < taggedHeaderLen || binary.LittleEndian.Uint32(data) != aaelTaggedEvent {
		return AAELEntry{}, errors.New("event is not an AAEL tagged event")
	}
	size := binary.LittleEndian.Uint32(data[4:])
	text := data[taggedHeaderLen:]
	if uint64(size) != uint64(len(text)) || !utf8.Valid(text) {
		return AAELEntry{}, fmt.Errorf("AAEL text is not %d bytes of UTF-8", size)
	}
	domain, rest, ok1 := strings.Cut(string(text), " ")
	operation, content, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 {
		return AAELEntry{}, errors.New(`AAEL text is not "<domain> <operation> <content>"`)
	}
	return AAELEntry{Domain: domain, Operation: operation, Content: content}, nil
}

// ParseEventLog decodes a TPM AAEL: concatenated records, each an AAEL
// event whose SHA-256 digest is the hash of its data. Other event types,
// digest algorithms or several digests per record are refused, since the
// replay could not account for them.
func ParseEventLog(b []byte) ([]Event, error) {
	var events []Event
	for i := 0; len(b) > 0; i++ {
		e, rest, err := parseEvent(b)
		if err != nil {
			return nil, fmt.Errorf("%w: record %d: %w", ErrMalformedEventLog, i, err)
		}
		events = append(events, e)
		b = rest
	}
	return events, nil
}

func parseEvent(b []byte) (Event, []byte, error) {
	if len(b) < recordHeaderLen {
		return Event{}, nil, errShort
	}
	le := binary.LittleEndian
	e := Event{PCR: le.Uint32(b)}
	if e.PCR >= PCRCount {
		return Event{}, nil, fmt.Errorf("PCR %d out of range", e.PCR)
	}
	if typ := le.Uint32(b[4:]); typ != evEventTag {
		return Event{}, nil, fmt.Errorf("event type %#x is not EV_EVENT_TAG", typ)
	}
	if n := le.Uint32(b[8:]); n != 1 {
		return Event{}, nil, fmt.Errorf("%d digests, want one", n)
	}
	if alg := le.Uint16(b[12:]); alg != algSHA256 {
		return Event{}, nil, fmt.Errorf("digest algorithm %#x is not SHA-256", alg)
	}
	copy(e.Digest[:], b[14:14+sha256.Size])
	size := le.Uint32(b[recordHeaderLen-4:])
	rest := b[recordHeaderLen:]
	if uint64(size) > uint64(len(rest)) {
		return Event{}, nil, errShort
	}
	e.Data = bytes.Clone(rest[:size])
	if sha256.Sum256(e.Data) != e.Digest {
		return Event{}, nil, errors.New("digest is not the SHA-256 of the event data")
	}
	if _, err := parseTaggedEvent(e.Data); err != nil {
		return Event{}, nil, err
	}
	return e, rest[size:], nil
}

// Replay returns the value each PCR named by events reaches when extended
// with their digests in order from all zeros, the reset value of the PCRs
// the attestation agent measures into.
func Replay(events []Event) map[uint32][sha256.Size]byte {
	pcrs := make(map[uint32][sha256.Size]byte)
	for _, e := range events {
		v := pcrs[e.PCR]
		pcrs[e.PCR] = sha256.Sum256(append(v[:], e.Digest[:]...))
	}
	return pcrs
}
