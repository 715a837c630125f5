package storage

import (
	"encoding/binary"
	"slices"
	"strings"
	"unsafe"
)

// arena holds one namespace of the Memory store: its keys and values live
// in large append-only chunks rather than as two heap objects per entry.
//
// Why: the memory backend keeps every RCAR session until it expires
// (upstream's default lifetime is five minutes), hundreds of thousands of
// entries under load. As separate objects, each one cost the garbage
// collector a cache-missing mark in every cycle: with 32 clients a cycle
// took 0.7 s after 2.5 minutes, and the flows it overlapped were the
// latency tail. In chunks the collector marks a few hundred large objects,
// and the index holds one pointer per entry, into a chunk.
//
// A record is written once and never changed, and a chunk's bytes are
// never reused: a chunk is only dropped, and the collector frees it once
// nothing points into it. So a value lent by View, or a key string, stays
// valid after its entry is overwritten, deleted or moved. When a chunk's
// live records fill less than half of it, they move to the current chunk
// and the chunk is dropped, so the chunks hold at most about twice the
// live data, and moving costs at most one copy per byte freed.
type arena struct {
	index   map[string]location // each key points into its record
	chunks  map[uint64]*chunk
	current *chunk // where small records are appended
	nextID  uint64
	// chunkSize is the size of a chunk of small records; a larger record
	// (more than a quarter of it) gets a chunk of its own, dropped as a
	// whole when the record is replaced, so no large value is ever copied
	// to compact.
	chunkSize int
}

// location is where an entry's record is; it holds no pointer, so the
// collector does not scan it.
type location struct {
	chunk    uint64
	offset   int
	keyLen   int
	valueLen int
}

type chunk struct {
	id uint64
	// buf's length is what was written; it never grows past its capacity,
	// so records never move.
	buf  []byte
	live int // bytes of the records the index points to
}

const (
	defaultChunkSize = 256 << 10
	// headerSize is a record's key and value lengths; records start at
	// multiples of recordAlign.
	headerSize  = 8
	recordAlign = 8
)

func newArena(chunkSize int) *arena {
	return &arena{index: make(map[string]location), chunks: make(map[uint64]*chunk), chunkSize: chunkSize}
}

func recordSize(keyLen, valueLen int) int {
	n := headerSize + keyLen + valueLen
	return (n + recordAlign - 1) &^ (recordAlign - 1)
}

func (l location) size() int { return recordSize(l.keyLen, l.valueLen) }

// get returns key's value, lent: its capacity is its length, so an append
// cannot write into the chunk.
func (a *arena) get(key string) ([]byte, bool) {
	loc, ok := a.index[key]
	if !ok {
		return nil, false
	}
	start := loc.offset + headerSize + loc.keyLen
	return a.chunks[loc.chunk].buf[start : start+loc.valueLen : start+loc.valueLen], true
}

func (a *arena) has(key string) bool {
	_, ok := a.index[key]
	return ok
}

// set stores a copy of key and value, replacing key's record if any.
func (a *arena) set(key string, value []byte) {
	loc, stored := a.write(key, value)
	// Read after writing: the write may have compacted the old record's
	// chunk and so moved it.
	old, had := a.index[key]
	// Delete first: an assignment could keep the old key string, which
	// points into the old record's chunk and would keep that chunk alive.
	delete(a.index, key)
	a.index[stored] = loc
	if had {
		a.release(old)
	}
}

// remove deletes key's entry; it reports whether there was one.
func (a *arena) remove(key string) bool {
	loc, ok := a.index[key]
	if !ok {
		return false
	}
	delete(a.index, key)
	a.release(loc)
	return true
}

// keys returns the keys, unsorted and still pointing into their chunks:
// see sortedKeys.
func (a *arena) keys() []string {
	keys := make([]string, 0, len(a.index))
	for k := range a.index {
		keys = append(keys, k)
	}
	return keys
}

// sortedKeys turns what keys returned into strings of their own, so that a
// caller holding one does not hold its chunk, in ascending order. It needs
// no lock (records never change), so that listing hundreds of thousands of
// sessions does not hold up writers.
func sortedKeys(keys []string) []string {
	for i, k := range keys {
		keys[i] = strings.Clone(k)
	}
	slices.Sort(keys)
	return keys
}

// write appends a record for key and value and returns where it is and the
// key as stored in it.
func (a *arena) write(key string, value []byte) (location, string) {
	n := recordSize(len(key), len(value))
	var c *chunk
	switch {
	case n > a.chunkSize/4:
		c = a.newChunk(n)
	case a.current != nil && cap(a.current.buf)-len(a.current.buf) >= n:
		c = a.current
	default:
		full := a.current
		c = a.newChunk(a.chunkSize)
		a.current = c
		if full != nil {
			a.settle(full) // garbage it gathered while current may now count
		}
	}
	off := len(c.buf)
	c.buf = c.buf[:off+n]
	rec := c.buf[off : off+n]
	// Only compact reads the header back, and only in chunks of small
	// records, whose lengths fit.
	binary.LittleEndian.PutUint32(rec[0:], uint32(len(key)))
	binary.LittleEndian.PutUint32(rec[4:], uint32(len(value)))
	copy(rec[headerSize:], key)
	copy(rec[headerSize+len(key):], value)
	c.live += n
	return location{chunk: c.id, offset: off, keyLen: len(key), valueLen: len(value)}, keyOf(rec, len(key))
}

// keyOf is the key stored in record rec, sharing its bytes.
func keyOf(rec []byte, keyLen int) string {
	if keyLen == 0 { // Memory never stores one; no byte to point at
		return ""
	}
	return unsafe.String(&rec[headerSize], keyLen)
}

func (a *arena) newChunk(size int) *chunk {
	a.nextID++
	c := &chunk{id: a.nextID, buf: make([]byte, 0, size)}
	a.chunks[c.id] = c
	return c
}

// release accounts for a record the index no longer points to.
func (a *arena) release(loc location) {
	c := a.chunks[loc.chunk]
	c.live -= loc.size()
	if c != a.current {
		a.settle(c)
	}
}

// settle drops a chunk that is not current once it holds nothing live, and
// moves its live records out once they fill less than half of it.
func (a *arena) settle(c *chunk) {
	switch {
	case c.live == 0:
		delete(a.chunks, c.id)
	case 2*c.live < cap(c.buf):
		a.compact(c)
	}
}

// compact moves c's live records to the current chunk and drops c. Only
// chunks of small records are ever compacted: a record with a chunk of its
// own is all of that chunk's live data.
func (a *arena) compact(c *chunk) {
	delete(a.chunks, c.id)
	for off := 0; off < len(c.buf); {
		keyLen := int(binary.LittleEndian.Uint32(c.buf[off:]))
		valueLen := int(binary.LittleEndian.Uint32(c.buf[off+4:]))
		start := off + headerSize
		key := keyOf(c.buf[off:], keyLen)
		if loc, ok := a.index[key]; ok && loc.chunk == c.id && loc.offset == off {
			moved, stored := a.write(key, c.buf[start+keyLen:start+keyLen+valueLen])
			delete(a.index, key)
			a.index[stored] = moved
		}
		off += recordSize(keyLen, valueLen)
	}
}
