package ccel

import (
	"bytes"
	"crypto/subtle"
	"fmt"

	"github.com/cocoon-cc/cocoon/internal/binread"
)

// Sizes of the legacy TCG_PCR_EVENT header fields of the first event.
const (
	sha1DigestSize = 20
	// specIDAlgorithmsOffset is where numberOfAlgorithms sits in a
	// TCG_EfiSpecIDEvent: signature[16], platformClass, four version bytes.
	specIDAlgorithmsOffset = 24
	endMarkerSize          = 8
)

// Parse parses a CC event log: a spec-id header event declaring the digest
// sizes, then crypto-agile events until an end marker (eight 0xFF or eight
// 0x00 bytes, so the zero padding of an ACPI table also ends it) or the
// end of the data. Like upstream it refuses unknown event types, unknown
// digest algorithms and event data its decoders reject.
func Parse(data []byte) (*EventLog, error) {
	r := binread.New(data, ErrMalformed)
	sizes, err := parseSpecID(r)
	if err != nil {
		return nil, err
	}
	log := &EventLog{}
	for r.Remaining() > 0 {
		marker, err := r.Peek(endMarkerSize, "end marker or event header")
		if err != nil {
			return nil, err
		}
		if isEndMarker(marker) {
			break
		}
		ev, err := parseEvent(r, sizes)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", len(log.Events), err)
		}
		log.Events = append(log.Events, ev)
	}
	return log, nil
}

func isEndMarker(b []byte) bool {
	return bytes.Equal(b, endFF[:]) || bytes.Equal(b, endZero[:])
}

var (
	endFF   = [endMarkerSize]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
	endZero [endMarkerSize]byte
)

// parseSpecID reads the first event, in the legacy SHA-1 format. When it
// is the EV_NO_ACTION spec-id event, its algorithm table gives the digest
// size of every algorithm used later.
func parseSpecID(r *binread.Reader) (map[Algorithm]int, error) {
	if _, err := r.U32("header PCR index"); err != nil {
		return nil, err
	}
	typ, err := r.U32("header event type")
	if err != nil {
		return nil, err
	}
	if !EventType(typ).known() {
		return nil, fmt.Errorf("%w: unknown header event type 0x%x", ErrMalformed, typ)
	}
	if _, err := r.Bytes(sha1DigestSize, "header SHA-1 digest"); err != nil {
		return nil, err
	}
	size, err := r.U32("header event size")
	if err != nil {
		return nil, err
	}
	sizes := make(map[Algorithm]int)
	if EventType(typ) != EvNoAction {
		return sizes, nil
	}
	spec, err := r.Bytes(int(size), "spec-id event")
	if err != nil {
		return nil, err
	}
	sr := binread.New(spec, ErrMalformed)
	if _, err := sr.Bytes(specIDAlgorithmsOffset, "spec-id signature and version"); err != nil {
		return nil, err
	}
	n, err := sr.U32("spec-id algorithm count")
	if err != nil {
		return nil, err
	}
	for range n {
		id, err := sr.U16("spec-id algorithm id")
		if err != nil {
			return nil, err
		}
		sz, err := sr.U16("spec-id digest size")
		if err != nil {
			return nil, err
		}
		alg := Algorithm(id)
		if _, ok := algorithmNames[alg]; !ok {
			return nil, fmt.Errorf("%w: unknown algorithm 0x%x in spec-id event", ErrMalformed, id)
		}
		sizes[alg] = int(sz)
	}
	vendor, err := sr.U8("spec-id vendor info size")
	if err != nil {
		return nil, err
	}
	if _, err := sr.Bytes(int(vendor), "spec-id vendor info"); err != nil {
		return nil, err
	}
	if sr.Remaining() != 0 {
		return nil, fmt.Errorf("%w: spec-id event has %d bytes, its fields %d", ErrMalformed, len(spec), sr.Offset())
	}
	return sizes, nil
}

func parseEvent(r *binread.Reader, sizes map[Algorithm]int) (Event, error) {
	var ev Event
	var err error
	if ev.Index, err = r.U32("measurement register index"); err != nil {
		return ev, err
	}
	typ, err := r.U32("event type")
	if err != nil {
		return ev, err
	}
	ev.Type = EventType(typ)
	if !ev.Type.known() {
		return ev, fmt.Errorf("%w: unknown event type 0x%x", ErrMalformed, typ)
	}
	if ev.Digests, err = parseDigests(r, sizes); err != nil {
		return ev, err
	}
	size, err := r.U32("event data size")
	if err != nil {
		return ev, err
	}
	if ev.Data, err = r.Bytes(int(size), "event data"); err != nil {
		return ev, err
	}
	if ev.DigestMatchesEvent, err = digestsMatch(ev.Data, ev.Digests); err != nil {
		return ev, err
	}
	if ev.Details, err = decodeDetails(ev.Type, ev.Data); err != nil {
		return ev, fmt.Errorf("%w: %s data: %w", ErrMalformed, ev.Type, err)
	}
	return ev, nil
}

func parseDigests(r *binread.Reader, sizes map[Algorithm]int) ([]Digest, error) {
	n, err := r.U32("digest count")
	if err != nil {
		return nil, err
	}
	var digests []Digest
	for range n {
		id, err := r.U16("digest algorithm")
		if err != nil {
			return nil, err
		}
		alg := Algorithm(id)
		size, ok := sizes[alg]
		if !ok {
			return nil, fmt.Errorf("%w: no digest size declared for algorithm 0x%x", ErrMalformed, id)
		}
		v, err := r.Bytes(size, "digest")
		if err != nil {
			return nil, err
		}
		digests = append(digests, Digest{Alg: alg, Value: v})
	}
	return digests, nil
}

// digestsMatch reports whether every digest is the hash of data. An
// algorithm that cannot be computed is an error, as upstream.
func digestsMatch(data []byte, digests []Digest) (bool, error) {
	for _, d := range digests {
		h, err := d.Alg.newHash()
		if err != nil {
			return false, err
		}
		h.Write(data)
		if subtle.ConstantTimeCompare(h.Sum(nil), d.Value) != 1 {
			return false, nil
		}
	}
	return true, nil
}
