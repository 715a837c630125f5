package ccel

import (
	"encoding/binary"
	"fmt"

	"github.com/cocoon-cc/cocoon/internal/binread"
)

// EndMarker ends an event log sent as evidence.
var EndMarker = endFF

// ELHeader is the spec-id header the attestation-agent puts before its
// AAEL records when the firmware left no CCEL: an EV_NO_ACTION event
// declaring SHA-384 (48 bytes, TDX) and SM3 (32 bytes, CSV) digests, with
// a zero signature and version as upstream writes it (69 bytes).
var ELHeader = func() []byte {
	spec := make([]byte, specIDAlgorithmsOffset)
	spec = binary.LittleEndian.AppendUint32(spec, 2)
	for _, a := range []struct{ id, size uint16 }{{uint16(AlgSHA384), 48}, {uint16(AlgSM3), 32}} {
		spec = binary.LittleEndian.AppendUint16(spec, a.id)
		spec = binary.LittleEndian.AppendUint16(spec, a.size)
	}
	spec = append(spec, 0) // no vendor info
	b := binary.LittleEndian.AppendUint32(nil, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(EvNoAction))
	b = append(b, make([]byte, sha1DigestSize)...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(spec)))
	return append(b, spec...)
}()

// Build assembles the cc_eventlog a TDX guest sends, as guest-components
// does: the CCEL ACPI table trimmed before its end marker or padding, then
// the AAEL records, then EndMarker. With AAEL records but no CCEL, ELHeader
// stands in for the firmware's header. With neither it returns nil.
func Build(ccel, aael []byte) ([]byte, error) {
	var log []byte
	if len(ccel) > 0 {
		n, err := loggedLength(ccel)
		if err != nil {
			return nil, err
		}
		log = append(log, ccel[:n]...)
	}
	if aael != nil {
		if len(log) == 0 {
			log = append(log, ELHeader...)
		}
		log = append(log, aael...)
	}
	if len(log) == 0 {
		return nil, nil
	}
	return append(log, EndMarker[:]...), nil
}

// loggedLength is the length of the events in a CCEL table, up to its end
// marker or zero padding. Unlike Parse it needs no known types, so that a
// guest forwards what its firmware logged and the verifier decides.
func loggedLength(ccel []byte) (int, error) {
	r := binread.New(ccel, ErrMalformed)
	sizes, err := parseSpecID(r)
	if err != nil {
		return 0, fmt.Errorf("CCEL header: %w", err)
	}
	for {
		marker, err := r.Peek(endMarkerSize, "CCEL end marker")
		if err != nil {
			return 0, err
		}
		if isEndMarker(marker) {
			return r.Offset(), nil
		}
		if _, err := r.Bytes(8, "register index and event type"); err != nil {
			return 0, err
		}
		if _, err := parseDigests(r, sizes); err != nil {
			return 0, err
		}
		size, err := r.U32("event data size")
		if err != nil {
			return 0, err
		}
		if _, err := r.Bytes(int(size), "event data"); err != nil {
			return 0, err
		}
	}
}
