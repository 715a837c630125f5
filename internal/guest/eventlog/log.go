package eventlog

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// Upstream's file locations. A TDX attester appends DefaultPath's bytes to
// the CCEL it sends as evidence.
const (
	DefaultPath    = "/run/attestation-agent/eventlog"
	DefaultWALPath = "/run/attestation-agent/.wal_event_entry"
	// DefaultInitPCR is upstream's default eventlog_config.init_pcr: PCR 17
	// (dynamic root of trust), which TDX maps to RTMR3.
	DefaultInitPCR = 17
)

// Register is the measurement register the log accounts for; attesters
// that support runtime measurement implement it.
type Register interface {
	// ExtendRuntimeMeasurement extends the register mapped from PCR index
	// with digest.
	ExtendRuntimeMeasurement(ctx context.Context, digest []byte, index uint64) error
	// RuntimeMeasurement reads the register mapped from PCR index.
	RuntimeMeasurement(ctx context.Context, index uint64) ([]byte, error)
	// MeasurementRegisterIndex maps a PCR index to the index written in
	// records: the CC measurement register (CCMR) on TEEs that have one.
	MeasurementRegisterIndex(pcr uint64) uint32
	// CCELHashAlgorithm is the hash of the register and the log's digests.
	CCELHashAlgorithm() kbs.HashAlgorithm
}

// ErrNeedsRecovery is returned by Extend once an extend failed half way:
// the register and the log may disagree until the agent restarts and Open
// replays the write-ahead file.
var ErrNeedsRecovery = errors.New("eventlog: an earlier event failed half way; restart the agent to recover")

// Config locates the log. Zero paths mean upstream's.
type Config struct {
	Path    string
	WALPath string
	// InitPCR is the PCR whose register is written in every record, as
	// upstream does, whatever register a caller extends.
	InitPCR uint64
}

// Log appends AAEL records and extends the register in step.
type Log struct {
	reg     Register
	alg     kbs.HashAlgorithm
	walPath string
	initPCR uint64
	logger  *slog.Logger

	mu     sync.Mutex
	file   *os.File
	pos    int64
	broken error
}

// Open opens (or creates) the log and finishes an event a crash left in
// the write-ahead file. It fails when the register holds a value that the
// pending event cannot explain.
func Open(ctx context.Context, cfg Config, reg Register, logger *slog.Logger) (*Log, error) {
	if cfg.Path == "" {
		cfg.Path = DefaultPath
	}
	if cfg.WALPath == "" {
		cfg.WALPath = DefaultWALPath
	}
	alg := reg.CCELHashAlgorithm()
	digestLen, err := digestLength(alg)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Path), 0o755); err != nil {
		return nil, fmt.Errorf("eventlog: %w", err)
	}
	// Not O_APPEND: recovery rewrites a record at its recorded offset.
	file, err := os.OpenFile(cfg.Path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("eventlog: %w", err)
	}
	end, err := file.Seek(0, io.SeekEnd)
	if err != nil {
		_ = file.Close()
		return nil, fmt.Errorf("eventlog: %w", err)
	}
	l := &Log{reg: reg, alg: alg, walPath: cfg.WALPath, initPCR: cfg.InitPCR, logger: logger, file: file, pos: end}
	pending, ok, err := readWAL(cfg.WALPath, digestLen)
	if err != nil {
		_ = file.Close()
		return nil, fmt.Errorf("%w; this follows a crash: remove %s to start over", err, cfg.WALPath)
	}
	if ok {
		if err := l.recover(ctx, pending); err != nil {
			_ = file.Close()
			return nil, err
		}
	}
	return l, nil
}

func digestLength(alg kbs.HashAlgorithm) (int, error) {
	id, err := tcgAlgorithm(alg)
	if err != nil {
		return 0, err
	}
	return digestSizes[id], nil
}

// recover completes the event of a write-ahead entry: it extends the
// register unless the crash came after the extend, then writes the record
// at its offset.
func (l *Log) recover(ctx context.Context, w walEntry) error {
	l.logger.WarnContext(ctx, "recovering the event log after a crash")
	ev, err := ParseEvent(w.text)
	if err != nil {
		return fmt.Errorf("eventlog: pending event in %s: %w", l.walPath, err)
	}
	rec, digest, err := NewAAELRecord(ev, l.reg.MeasurementRegisterIndex(l.initPCR), l.alg)
	if err != nil {
		return err
	}
	current, err := l.reg.RuntimeMeasurement(ctx, l.initPCR)
	if err != nil {
		return fmt.Errorf("eventlog: read register: %w", err)
	}
	if subtle.ConstantTimeCompare(current, w.expected) != 1 {
		next, err := extendedValue(l.alg, current, digest)
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare(next, w.expected) != 1 {
			return fmt.Errorf("eventlog: cannot recover: PCR %d holds a value the pending event does not explain; the log %s is corrupt or another process extended the register",
				l.initPCR, l.file.Name())
		}
		if err := l.reg.ExtendRuntimeMeasurement(ctx, digest, l.initPCR); err != nil {
			return fmt.Errorf("eventlog: extend register: %w", err)
		}
	}
	if int64(w.offset) < 0 || int64(w.offset) > l.pos {
		return fmt.Errorf("eventlog: pending event offset %d is beyond the log's end %d", w.offset, l.pos)
	}
	if err := l.writeAt(rec, int64(w.offset)); err != nil {
		return err
	}
	return removeWAL(l.walPath)
}

// extendedValue is alg(current || digest), the register after an extend.
func extendedValue(alg kbs.HashAlgorithm, current, digest []byte) ([]byte, error) {
	v, err := alg.Sum(bytes.Join([][]byte{current, digest}, nil))
	if err != nil {
		return nil, fmt.Errorf("eventlog: %w", err)
	}
	return v, nil
}

// Extend records ev and extends the register of PCR pcr with its digest.
// The record names the register of Config.InitPCR, as upstream's does.
func (l *Log) Extend(ctx context.Context, ev Event, pcr uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.broken != nil {
		return fmt.Errorf("%w (%w)", ErrNeedsRecovery, l.broken)
	}
	rec, digest, err := NewAAELRecord(ev, l.reg.MeasurementRegisterIndex(l.initPCR), l.alg)
	if err != nil {
		return err
	}
	current, err := l.reg.RuntimeMeasurement(ctx, pcr)
	if err != nil {
		return fmt.Errorf("eventlog: read register: %w", err)
	}
	expected, err := extendedValue(l.alg, current, digest)
	if err != nil {
		return err
	}
	if err := writeWAL(l.walPath, walEntry{offset: uint64(l.pos), expected: expected, text: ev.String()}); err != nil {
		return err
	}
	// From here on a failure leaves the register and the log in doubt;
	// the write-ahead file stays for the next start to settle.
	if err := l.reg.ExtendRuntimeMeasurement(ctx, digest, pcr); err != nil {
		l.broken = err
		return fmt.Errorf("eventlog: extend register: %w", err)
	}
	if err := l.writeAt(rec, l.pos); err != nil {
		l.broken = err
		return err
	}
	if err := removeWAL(l.walPath); err != nil {
		l.broken = err
		return err
	}
	return nil
}

// writeAt writes rec at off, syncs, and moves the end of the log after it.
func (l *Log) writeAt(rec Record, off int64) error {
	b, err := rec.AppendBinary(nil)
	if err != nil {
		return err
	}
	if _, err := l.file.WriteAt(b, off); err != nil {
		return fmt.Errorf("eventlog: write record: %w", err)
	}
	if err := l.file.Sync(); err != nil {
		return fmt.Errorf("eventlog: sync log: %w", err)
	}
	l.pos = off + int64(len(b))
	return nil
}

func removeWAL(path string) error {
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("eventlog: remove write-ahead file: %w", err)
	}
	return nil
}

// Close closes the log file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.file.Close()
}
