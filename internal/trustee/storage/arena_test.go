package storage

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"testing"
)

// check compares a with the model and verifies the arena's accounting: each
// chunk's live bytes are those of the records the index points into it,
// and every chunk but the current one is dropped or compacted before its
// live records fill less than half of it.
func (a *arena) check(model map[string][]byte) error {
	if len(a.index) != len(model) {
		return fmt.Errorf("%d keys, model has %d", len(a.index), len(model))
	}
	for k, want := range model {
		got, ok := a.get(k)
		if !ok || !bytes.Equal(got, want) || got == nil {
			return fmt.Errorf("get(%q) = %q %v, want %q", k, got, ok, want)
		}
	}
	if keys := sortedKeys(a.keys()); !slices.Equal(keys, slices.Sorted(maps.Keys(model))) {
		return fmt.Errorf("keys %q", keys)
	}
	live := map[uint64]int{}
	for _, loc := range a.index {
		if a.chunks[loc.chunk] == nil {
			return fmt.Errorf("index points into dropped chunk %d", loc.chunk)
		}
		live[loc.chunk] += loc.size()
	}
	for id, c := range a.chunks {
		if c.live != live[id] {
			return fmt.Errorf("chunk %d counts %d live bytes, index has %d", id, c.live, live[id])
		}
		if c != a.current && 2*c.live < cap(c.buf) {
			return fmt.Errorf("chunk %d: %d live bytes of %d kept", id, c.live, cap(c.buf))
		}
	}
	return nil
}

// FuzzArena runs a program of sets and deletes on an arena with small
// chunks, against a map. Values lent by get must stay as they were.
func FuzzArena(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add(bytes.Repeat([]byte{0, 40, 1, 40, 2, 40, 0x80, 0x81}, 20))
	f.Add(bytes.Repeat([]byte{3, 200, 4, 0, 0x83, 5, 1}, 30))
	f.Fuzz(func(t *testing.T, program []byte) {
		a := newArena(256)
		model := map[string][]byte{}
		type lent struct{ got, want []byte }
		var views []lent
		for i := 0; i+1 < len(program); i += 2 {
			op, arg := program[i], program[i+1]
			key := fmt.Sprintf("k%d", op&0x0f)
			switch {
			case op&0x80 != 0:
				_, had := model[key]
				if a.remove(key) != had {
					t.Fatalf("remove(%q) disagrees with the model", key)
				}
				delete(model, key)
			default:
				// Sizes from empty to well past a quarter chunk.
				value := bytes.Repeat([]byte{byte(i)}, int(arg))
				a.set(key, value)
				model[key] = value
				if v, _ := a.get(key); len(v) > 0 {
					views = append(views, lent{got: v, want: bytes.Clone(v)})
				}
			}
			if err := a.check(model); err != nil {
				t.Fatalf("after op %d: %v", i/2, err)
			}
		}
		for _, v := range views {
			if !bytes.Equal(v.got, v.want) {
				t.Fatal("a lent value changed")
			}
		}
	})
}

// Sessions expire oldest first: once every entry of a chunk is gone, so is
// the chunk, and the memory with it.
func TestArenaDropsChunksOfDeletedEntries(t *testing.T) {
	a := newArena(defaultChunkSize)
	value := bytes.Repeat([]byte("s"), 2000)
	for i := range 10000 {
		a.set(fmt.Sprintf("%032x", i), value)
	}
	if len(a.chunks) < 10000*2000/defaultChunkSize {
		t.Fatalf("%d chunks for 20 MB", len(a.chunks))
	}
	for i := range 10000 {
		if !a.remove(fmt.Sprintf("%032x", i)) {
			t.Fatal("remove failed")
		}
	}
	if len(a.chunks) > 1 {
		t.Fatalf("%d chunks kept with no entries, want at most the current one", len(a.chunks))
	}
}

// An entry rewritten in place (an RCAR session going from Authed to
// Attested) leaves garbage that compaction reclaims.
func TestArenaCompactsRewrittenEntries(t *testing.T) {
	a := newArena(defaultChunkSize)
	model := map[string][]byte{}
	for round := range 50 {
		for i := range 1000 {
			v := bytes.Repeat([]byte{byte(round)}, 500+i%700)
			k := fmt.Sprintf("%032x", i)
			a.set(k, v)
			model[k] = v
		}
	}
	if err := a.check(model); err != nil {
		t.Fatal(err)
	}
	held := 0
	for _, c := range a.chunks {
		held += cap(c.buf)
	}
	live := 0
	for _, loc := range a.index {
		live += loc.size()
	}
	if held > 2*live+defaultChunkSize {
		t.Fatalf("%d bytes of chunks hold %d live bytes", held, live)
	}
}
