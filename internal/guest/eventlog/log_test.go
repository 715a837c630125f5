package eventlog_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/guest/attester/attestertest"
	"github.com/cocoon-cc/cocoon/internal/guest/eventlog"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func testConfig(t *testing.T) eventlog.Config {
	dir := t.TempDir()
	return eventlog.Config{
		Path:    filepath.Join(dir, "run", "eventlog"),
		WALPath: filepath.Join(dir, "run", ".wal_event_entry"),
		InitPCR: eventlog.DefaultInitPCR,
	}
}

func open(t *testing.T, cfg eventlog.Config, reg eventlog.Register) *eventlog.Log {
	t.Helper()
	l, err := eventlog.Open(t.Context(), cfg, reg, discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func event(t *testing.T, content string) eventlog.Event {
	t.Helper()
	ev, err := eventlog.NewEvent("github.com/confidential-containers", "PullImage", content)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// replay recomputes RTMR3 from the log, as a verifier does, and checks it
// against the register; it returns the events.
func replay(t *testing.T, cfg eventlog.Config, m *attestertest.Measured) []eventlog.Event {
	t.Helper()
	b, err := os.ReadFile(cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	records, err := eventlog.ParseRecords(b)
	if err != nil {
		t.Fatal(err)
	}
	value := make([]byte, 48)
	var events []eventlog.Event
	for _, r := range records {
		if r.Register != 4 || len(r.Digests) != 1 || r.Digests[0].Algorithm != eventlog.AlgSHA384 {
			t.Fatalf("record header %d %+v, want CCMR 4 with one SHA-384 digest", r.Register, r.Digests)
		}
		if value, err = kbs.SHA384.Sum(append(value, r.Digests[0].Value...)); err != nil {
			t.Fatal(err)
		}
		ev, err := r.AAELEvent()
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}
	got, err := m.RuntimeMeasurement(t.Context(), eventlog.DefaultInitPCR)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, value) {
		t.Fatalf("RTMR3 = %x, log replays to %x", got, value)
	}
	if _, err := os.Stat(cfg.WALPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("write-ahead file left behind: %v", err)
	}
	return events
}

func TestExtendAppendsAndReplays(t *testing.T) {
	cfg, m := testConfig(t), attestertest.NewMeasured()
	l := open(t, cfg, m)
	for _, c := range []string{`{"image":"a"}`, `{"image":"b"}`} {
		if err := l.Extend(t.Context(), event(t, c), eventlog.DefaultInitPCR); err != nil {
			t.Fatal(err)
		}
	}
	if events := replay(t, cfg, m); len(events) != 2 || events[1].Content != `{"image":"b"}` {
		t.Fatalf("events = %+v", events)
	}
	// Reopening appends after the existing records.
	_ = l.Close()
	l = open(t, cfg, m)
	if err := l.Extend(t.Context(), event(t, "c"), eventlog.DefaultInitPCR); err != nil {
		t.Fatal(err)
	}
	if events := replay(t, cfg, m); len(events) != 3 {
		t.Fatalf("%d events after reopening, want 3", len(events))
	}
}

// TestRecordNamesInitPCR keeps upstream's behaviour: the record names the
// register of init_pcr even when the caller extends another PCR.
func TestRecordNamesInitPCR(t *testing.T) {
	cfg, m := testConfig(t), attestertest.NewMeasured()
	l := open(t, cfg, m)
	if err := l.Extend(t.Context(), event(t, "x"), 8); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(cfg.Path)
	records, err := eventlog.ParseRecords(b)
	if err != nil {
		t.Fatal(err)
	}
	if records[0].Register != 4 {
		t.Fatalf("record register = %d, want 4 (init_pcr 17)", records[0].Register)
	}
	pcr8, _ := m.RuntimeMeasurement(t.Context(), 8)
	if bytes.Equal(pcr8, make([]byte, 48)) {
		t.Fatal("PCR 8's register (RTMR2) was not extended")
	}
}

// TestRecoverCrashBeforeExtend: the write-ahead file is written, the
// extend never happens. The next start extends and logs the event.
func TestRecoverCrashBeforeExtend(t *testing.T) {
	cfg, m := testConfig(t), attestertest.NewMeasured()
	l := open(t, cfg, m)
	if err := l.Extend(t.Context(), event(t, "first"), eventlog.DefaultInitPCR); err != nil {
		t.Fatal(err)
	}
	m.FailExtends(errors.New("hardware said no"))
	if err := l.Extend(t.Context(), event(t, "second"), eventlog.DefaultInitPCR); err == nil {
		t.Fatal("Extend succeeded although the register refused")
	}
	if err := l.Extend(t.Context(), event(t, "third"), eventlog.DefaultInitPCR); !errors.Is(err, eventlog.ErrNeedsRecovery) {
		t.Fatalf("Extend after a half-done event = %v, want ErrNeedsRecovery", err)
	}
	_ = l.Close()

	m.FailExtends(nil)
	open(t, cfg, m)
	events := replay(t, cfg, m)
	if len(events) != 2 || events[1].Content != "second" {
		t.Fatalf("events after recovery = %+v", events)
	}
}

// TestRecoverCrashAfterExtend: the register is extended, the record never
// written. The next start writes the record without extending again.
func TestRecoverCrashAfterExtend(t *testing.T) {
	cfg, m := testConfig(t), attestertest.NewMeasured()
	l := open(t, cfg, m)
	if err := l.Extend(t.Context(), event(t, "first"), eventlog.DefaultInitPCR); err != nil {
		t.Fatal(err)
	}
	_ = l.Close()
	before, _ := os.ReadFile(cfg.Path)
	ev := event(t, "lost")
	_, digest, err := eventlog.NewAAELRecord(ev, 4, kbs.SHA384)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.ExtendRuntimeMeasurement(t.Context(), digest, eventlog.DefaultInitPCR); err != nil {
		t.Fatal(err)
	}
	now, _ := m.RuntimeMeasurement(t.Context(), eventlog.DefaultInitPCR)
	writeUpstreamWAL(t, cfg.WALPath, uint64(len(before)), now, ev.String())

	open(t, cfg, m)
	events := replay(t, cfg, m)
	if len(events) != 2 || events[1] != ev {
		t.Fatalf("events after recovery = %+v", events)
	}
}

func TestRecoverRefusesUnexplainedRegister(t *testing.T) {
	cfg, m := testConfig(t), attestertest.NewMeasured()
	if err := os.MkdirAll(filepath.Dir(cfg.WALPath), 0o755); err != nil {
		t.Fatal(err)
	}
	writeUpstreamWAL(t, cfg.WALPath, 0, bytes.Repeat([]byte{7}, 48), "d o c")
	if _, err := eventlog.Open(t.Context(), cfg, m, discard()); err == nil {
		t.Fatal("Open recovered an event the register does not reflect")
	}
	if err := os.WriteFile(cfg.WALPath, []byte("short"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := eventlog.Open(t.Context(), cfg, m, discard()); !errors.Is(err, eventlog.ErrMalformed) {
		t.Fatalf("Open with a short write-ahead file = %v, want ErrMalformed", err)
	}
}

// writeUpstreamWAL writes a write-ahead file in upstream's layout.
func writeUpstreamWAL(t *testing.T, path string, offset uint64, expected []byte, text string) {
	t.Helper()
	b := binary.BigEndian.AppendUint64(nil, offset)
	b = append(append(b, expected...), text...)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
