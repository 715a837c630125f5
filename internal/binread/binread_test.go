package binread

import (
	"errors"
	"testing"
)

var errBad = errors.New("bad input")

func TestReadsLittleEndianFieldsInOrder(t *testing.T) {
	r := New([]byte{
		0x01,
		0x02, 0x01,
		0x04, 0x03, 0x02, 0x01,
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
		0xAA, 0xBB, 0xCC,
	}, errBad)
	u8, err := r.U8("u8")
	if err != nil || u8 != 0x01 {
		t.Fatalf("U8 = %#x, %v", u8, err)
	}
	u16, err := r.U16("u16")
	if err != nil || u16 != 0x0102 {
		t.Fatalf("U16 = %#x, %v", u16, err)
	}
	u32, err := r.U32("u32")
	if err != nil || u32 != 0x01020304 {
		t.Fatalf("U32 = %#x, %v", u32, err)
	}
	u64, err := r.U64("u64")
	if err != nil || u64 != 0x0102030405060708 {
		t.Fatalf("U64 = %#x, %v", u64, err)
	}
	peek, err := r.Peek(1, "peek")
	if err != nil || peek[0] != 0xAA || r.Offset() != 15 {
		t.Fatalf("Peek = %x, %v at offset %d", peek, err, r.Offset())
	}
	var two [2]byte
	if err := r.Copy(two[:], "copy"); err != nil || two != [2]byte{0xAA, 0xBB} {
		t.Fatalf("Copy = %x, %v", two, err)
	}
	if r.Remaining() != 1 || r.Offset() != 17 {
		t.Fatalf("Remaining %d, Offset %d; want 1, 17", r.Remaining(), r.Offset())
	}
}

func TestReadPastTheEndWrapsTheSentinelAndConsumesNothing(t *testing.T) {
	r := New([]byte{1, 2, 3}, errBad)
	reads := map[string]func() error{
		"U32":      func() error { _, err := r.U32("field"); return err },
		"U64":      func() error { _, err := r.U64("field"); return err },
		"Bytes":    func() error { _, err := r.Bytes(4, "field"); return err },
		"negative": func() error { _, err := r.Bytes(-1, "field"); return err },
		"Peek":     func() error { _, err := r.Peek(4, "field"); return err },
		"Copy":     func() error { return r.Copy(make([]byte, 4), "field") },
	}
	for name, read := range reads {
		if err := read(); !errors.Is(err, errBad) {
			t.Errorf("%s past the end: %v, want %v", name, err, errBad)
		}
		if r.Offset() != 0 {
			t.Fatalf("%s past the end moved the offset to %d", name, r.Offset())
		}
	}
}

func TestFieldsCannotBeAppendedIntoTheNext(t *testing.T) {
	data := []byte{1, 2, 3, 4}
	r := New(data, errBad)
	first, err := r.Bytes(2, "first")
	if err != nil {
		t.Fatal(err)
	}
	_ = append(first, 0xFF)
	if data[2] != 3 {
		t.Fatalf("appending to a field overwrote the next byte: %x", data)
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, 3)
	f.Add([]byte{}, -1)
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		r := New(data, errBad)
		for r.Remaining() > 0 {
			before := r.Offset()
			if _, err := r.Bytes(n, "bytes"); err == nil && n > 0 {
				continue
			}
			if _, err := r.U64("u64"); err != nil {
				if _, err := r.U8("u8"); err != nil {
					t.Fatalf("U8 failed with %d bytes left: %v", r.Remaining(), err)
				}
			}
			if r.Offset() <= before {
				t.Fatalf("no progress at offset %d", before)
			}
		}
	})
}
