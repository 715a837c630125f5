package eventlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// walEntry is the write-ahead file of one event, in upstream's layout:
//
//	u64 big-endian offset of the record in the log
//	expected register value after the extend (one digest long)
//	event text, up to the end of the file
type walEntry struct {
	offset   uint64
	expected []byte
	text     string
}

func (w walEntry) marshal() []byte {
	b := make([]byte, 0, 8+len(w.expected)+len(w.text))
	b = binary.BigEndian.AppendUint64(b, w.offset)
	b = append(b, w.expected...)
	return append(b, w.text...)
}

// parseWAL decodes a write-ahead file whose register value is digestLen
// bytes long.
func parseWAL(b []byte, digestLen int) (walEntry, error) {
	if len(b) < 8+digestLen {
		return walEntry{}, fmt.Errorf("%w: write-ahead file has %d bytes, want at least %d", ErrMalformed, len(b), 8+digestLen)
	}
	return walEntry{
		offset:   binary.BigEndian.Uint64(b),
		expected: b[8 : 8+digestLen],
		text:     string(b[8+digestLen:]),
	}, nil
}

// writeWAL replaces the write-ahead file and syncs it to its medium.
func writeWAL(path string, w walEntry) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("eventlog: write-ahead file: %w", err)
	}
	_, werr := f.Write(w.marshal())
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("eventlog: write-ahead file: %w", err)
	}
	return nil
}

// readWAL returns the pending entry, or ok=false when there is none.
func readWAL(path string, digestLen int) (w walEntry, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return walEntry{}, false, nil
	}
	if err != nil {
		return walEntry{}, false, fmt.Errorf("eventlog: read write-ahead file: %w", err)
	}
	w, err = parseWAL(b, digestLen)
	if err != nil {
		return walEntry{}, false, err
	}
	return w, true, nil
}
