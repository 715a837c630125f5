package eventlog

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// Upstream's test_event_digest vectors (guest-components
// attestation-agent/src/eventlog/mod.rs) for "domain operation content".
var upstreamDigests = []struct {
	alg  kbs.HashAlgorithm
	want string
}{
	{kbs.SHA256, "46df8dacf00a07d34a83cdf56d7978697790787cf2ba1432ef7c38f22cd96351"},
	{kbs.SHA384, "dad5f0e226318ffa9839b75a472c6aa7fdb5834949d0a0a22990cf04d5692440fb00f3aa0609db7e49cd8d793f670d02"},
	{kbs.SHA512, "b708d222ca8bd44dfe6ba0c4ca2cbb72379276fba8091025217064be45a813e5d6124ccf073219edb617d1faf007d55061465bdf34b7437dbdc9a7405bd4e9c0"},
}

func TestUpstreamDigestVectors(t *testing.T) {
	ev, err := NewEvent("domain", "operation", "content")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range upstreamDigests {
		rec, digest, err := NewAAELRecord(ev, 4, v.alg)
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(digest); got != v.want {
			t.Errorf("%s digest = %s, want %s", v.alg, got, v.want)
		}
		if !bytes.Equal(rec.Digests[0].Value, digest) {
			t.Errorf("%s: record digest differs from the extended digest", v.alg)
		}
		// The tagged event starts with the AAEL id and the text length
		// (24 = len("domain operation content")), little-endian.
		if got := hex.EncodeToString(rec.EventData[:8]); got != "4c45414118000000" {
			t.Errorf("tagged event header = %s, want 4c45414118000000", got)
		}
	}
}

// TestRecordLayout pins every byte of one SHA-384 record.
func TestRecordLayout(t *testing.T) {
	ev, _ := NewEvent("domain", "operation", "content")
	rec, digest, err := NewAAELRecord(ev, 4, kbs.SHA384)
	if err != nil {
		t.Fatal(err)
	}
	b, err := rec.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "04000000" + "06000000" + "01000000" + "0c00" + hex.EncodeToString(digest) +
		"20000000" + "4c45414118000000" + hex.EncodeToString([]byte("domain operation content"))
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("record = %s\nwant     %s", got, want)
	}
	parsed, err := ParseRecords(append(b, b...))
	if err != nil {
		t.Fatal(err)
	}
	if len(parsed) != 2 {
		t.Fatalf("parsed %d records, want 2", len(parsed))
	}
	got, err := parsed[1].AAELEvent()
	if err != nil {
		t.Fatal(err)
	}
	if got != ev {
		t.Fatalf("event = %+v, want %+v", got, ev)
	}
}

func TestParseRecordsRefuses(t *testing.T) {
	ev, _ := NewEvent("d", "o", "c")
	rec, _, _ := NewAAELRecord(ev, 4, kbs.SHA256)
	good, _ := rec.AppendBinary(nil)
	for name, b := range map[string][]byte{
		"truncated header": good[:10],
		"truncated digest": good[:20],
		"truncated data":   good[:len(good)-1],
		"unknown alg":      append(append(bytes.Clone(good[:12]), 0x99, 0x00), good[14:]...),
		"huge count":       append(append(bytes.Clone(good[:8]), 0xff, 0xff, 0xff, 0xff), good[12:]...),
	} {
		if _, err := ParseRecords(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: ParseRecords = %v, want ErrMalformed", name, err)
		}
	}
}

func TestNewEventRefuses(t *testing.T) {
	for _, tc := range [][3]string{
		{"", "op", "c"},
		{"d", "", "c"},
		{"do main", "op", "c"},
		{"d", "o\tp", "c"},
		{"d", "op", "line\nfeed"},
	} {
		if _, err := NewEvent(tc[0], tc[1], tc[2]); !errors.Is(err, ErrInvalidEvent) {
			t.Errorf("NewEvent(%q) = %v, want ErrInvalidEvent", tc, err)
		}
	}
	// Content may hold spaces: CDH's is JSON with ", ".
	ev, err := ParseEvent(`github.com/confidential-containers PullImage {"image":"a", "digest":"sha256:00"}`)
	if err != nil || ev.Content != `{"image":"a", "digest":"sha256:00"}` {
		t.Fatalf("ParseEvent = %+v, %v", ev, err)
	}
}

// TestWALLayout is upstream's test_wal_cache_offset_is_big_endian.
func TestWALLayout(t *testing.T) {
	raw := []byte{0, 0, 0, 0, 0, 0, 2, 0}
	raw = append(raw, bytes.Repeat([]byte{0xab}, 32)...)
	raw = append(raw, "domain operation content"...)
	w, err := parseWAL(raw, 32)
	if err != nil {
		t.Fatal(err)
	}
	if w.offset != 512 || !bytes.Equal(w.expected, bytes.Repeat([]byte{0xab}, 32)) || w.text != "domain operation content" {
		t.Fatalf("parsed %+v", w)
	}
	if !bytes.Equal(w.marshal(), raw) {
		t.Fatal("marshal does not give the bytes back")
	}
	if _, err := parseWAL(raw[:39], 32); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short WAL: %v", err)
	}
}

func FuzzParseRecords(f *testing.F) {
	ev, _ := NewEvent("domain", "operation", "content")
	for _, v := range upstreamDigests {
		rec, _, _ := NewAAELRecord(ev, 4, v.alg)
		b, _ := rec.AppendBinary(nil)
		f.Add(b)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		records, err := ParseRecords(b)
		if err != nil {
			return
		}
		var again []byte
		for _, r := range records {
			_, _ = r.AAELEvent()
			if again, err = r.AppendBinary(again); err != nil {
				t.Fatalf("a parsed record does not serialise: %v", err)
			}
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("round trip changed the bytes")
		}
	})
}

func FuzzParseEvent(f *testing.F) {
	f.Add("domain operation content")
	f.Add("a b")
	f.Add(`github.com/confidential-containers PullImage {"image":"x", "digest":"sha256:00"}`)
	f.Fuzz(func(t *testing.T, s string) {
		ev, err := ParseEvent(s)
		if err != nil {
			return
		}
		if ev.String() != s {
			t.Fatalf("String() = %q, want %q", ev.String(), s)
		}
	})
}

func FuzzParseWAL(f *testing.F) {
	f.Add(append(make([]byte, 8+48), "d o c"...))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, n := range []int{32, 48, 64} {
			if w, err := parseWAL(b, n); err == nil && !bytes.Equal(w.marshal(), b) {
				t.Fatal("round trip changed the bytes")
			}
		}
	})
}
