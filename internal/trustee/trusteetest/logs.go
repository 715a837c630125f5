package trusteetest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/cocoon-cc/cocoon/internal/trustee/app"
)

// ListeningURL reads a server's JSON log until the first app.ListeningMessage
// line and returns its URL, the way to find a server started on port 0.
// It then drains the rest of logs in the background, so the server never
// blocks writing its log. The log ending first is an error.
func ListeningURL(logs io.Reader) (string, error) {
	lines := bufio.NewScanner(logs)
	for lines.Scan() {
		var entry struct{ Msg, URL string }
		if json.Unmarshal(lines.Bytes(), &entry) == nil && entry.Msg == app.ListeningMessage {
			go func() { _, _ = io.Copy(io.Discard, logs) }()
			return entry.URL, nil
		}
	}
	err := lines.Err()
	if err == nil {
		err = errors.New("log ended")
	}
	return "", fmt.Errorf("trusteetest: no %q line: %w", app.ListeningMessage, err)
}

// Log is a log sink the server's goroutines can share and a test can read:
// trusteetest.New(t, trusteetest.WithLogger(log.Logger())).
type Log struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the log.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String is everything logged so far.
func (l *Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Logger logs text at debug level to l.
func (l *Log) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
