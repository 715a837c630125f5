package eventlog

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// EventTypeEventTag is the TCG event type of AAEL records (EV_EVENT_TAG).
const EventTypeEventTag uint32 = 0x00000006

// AAELTaggedEventID is the tagged-event id of AAEL events: "AAEL" read as
// a little-endian u32, so the bytes on disk are 4C 45 41 41.
const AAELTaggedEventID uint32 = 0x4141454C

// maxDigests bounds a record's digest list: the TCG registry defines far
// fewer hash algorithms than this.
const maxDigests = 16

// ErrMalformed is returned for bytes that are not a well-formed log.
var ErrMalformed = errors.New("eventlog: malformed record")

// Digest is one entry of a record's digest list.
type Digest struct {
	Algorithm uint16 // TCG algorithm id, e.g. AlgSHA384
	Value     []byte
}

// Record is one TCG2 crypto-agile event (TCG_PCR_EVENT2), little-endian:
//
//	u32 register, u32 event type, u32 digest count,
//	count × (u16 algorithm, digest), u32 event size, event data
type Record struct {
	// Register is the measurement register of the event: a CC measurement
	// register (CCMR) on TEEs with one, else a PCR.
	Register  uint32
	EventType uint32
	Digests   []Digest
	EventData []byte
}

// NewAAELRecord builds the record of ev for the given register and
// returns it with the digest the register is extended with, which is
// alg(event data).
func NewAAELRecord(ev Event, register uint32, alg kbs.HashAlgorithm) (Record, []byte, error) {
	id, err := tcgAlgorithm(alg)
	if err != nil {
		return Record{}, nil, err
	}
	data := taggedEvent(ev.String())
	digest, err := alg.Sum(data)
	if err != nil {
		return Record{}, nil, fmt.Errorf("eventlog: %w", err)
	}
	rec := Record{
		Register:  register,
		EventType: EventTypeEventTag,
		Digests:   []Digest{{Algorithm: id, Value: digest}},
		EventData: data,
	}
	return rec, digest, nil
}

// taggedEvent wraps text as a TCG tagged event with the AAEL id.
func taggedEvent(text string) []byte {
	b := make([]byte, 0, 8+len(text))
	b = binary.LittleEndian.AppendUint32(b, AAELTaggedEventID)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(text)))
	return append(b, text...)
}

// AppendBinary appends the record's wire form to b.
func (r Record) AppendBinary(b []byte) ([]byte, error) {
	b = binary.LittleEndian.AppendUint32(b, r.Register)
	b = binary.LittleEndian.AppendUint32(b, r.EventType)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(r.Digests)))
	for _, d := range r.Digests {
		if size, ok := digestSizes[d.Algorithm]; !ok || size != len(d.Value) {
			return nil, fmt.Errorf("%w: digest of algorithm %#04x has %d bytes", ErrMalformed, d.Algorithm, len(d.Value))
		}
		b = binary.LittleEndian.AppendUint16(b, d.Algorithm)
		b = append(b, d.Value...)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(r.EventData)))
	return append(b, r.EventData...), nil
}

// AAELEvent decodes the record's event data as an AAEL tagged event.
func (r Record) AAELEvent() (Event, error) {
	if r.EventType != EventTypeEventTag {
		return Event{}, fmt.Errorf("%w: event type %#x is not EV_EVENT_TAG", ErrMalformed, r.EventType)
	}
	d := decoder{b: r.EventData}
	id, size := d.u32(), d.u32()
	if d.err != nil {
		return Event{}, fmt.Errorf("%w: tagged event header: %w", ErrMalformed, d.err)
	}
	if id != AAELTaggedEventID {
		return Event{}, fmt.Errorf("%w: tagged event id %#08x is not AAEL", ErrMalformed, id)
	}
	if uint64(size) != uint64(len(d.b)) {
		return Event{}, fmt.Errorf("%w: tagged event size %d, %d bytes follow", ErrMalformed, size, len(d.b))
	}
	return ParseEvent(string(d.b))
}

// ParseRecords decodes a sequence of records, such as the AAEL file.
func ParseRecords(b []byte) ([]Record, error) {
	var records []Record
	d := decoder{b: b}
	for len(d.b) > 0 {
		rec := d.record()
		if d.err != nil {
			return nil, fmt.Errorf("%w: record %d at offset %d: %w", ErrMalformed, len(records), len(b)-len(d.b), d.err)
		}
		records = append(records, rec)
	}
	return records, nil
}

// decoder reads little-endian fields and remembers the first error.
type decoder struct {
	b   []byte
	err error
}

var errShort = errors.New("truncated")

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.err = errShort
		return nil
	}
	out := d.b[:n:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) u16() uint16 {
	if b := d.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if b := d.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) record() Record {
	rec := Record{Register: d.u32(), EventType: d.u32()}
	count := d.u32()
	if d.err == nil && count > maxDigests {
		d.err = fmt.Errorf("%d digests (at most %d)", count, maxDigests)
	}
	for i := uint32(0); i < count && d.err == nil; i++ {
		alg := d.u16()
		size, ok := digestSizes[alg]
		if d.err == nil && !ok {
			d.err = fmt.Errorf("unknown digest algorithm %#04x", alg)
			break
		}
		rec.Digests = append(rec.Digests, Digest{Algorithm: alg, Value: d.take(size)})
	}
	size := d.u32()
	if d.err == nil && uint64(size) > uint64(len(d.b)) {
		d.err = fmt.Errorf("event size %d, %d bytes left", size, len(d.b))
	}
	rec.EventData = d.take(int(size))
	return rec
}
