package startup

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// EnvLogLevel overrides a configuration's log level, as upstream's
// RUST_LOG does.
const EnvLogLevel = "RUST_LOG"

// LevelOff is above every level slog logs at: "off" discards everything.
const LevelOff = slog.Level(100)

// ErrLogLevel is returned for a level name ParseLevel does not know.
var ErrLogLevel = errors.New("log level")

// ParseLevel maps upstream's (tracing) level names to slog: trace is
// debug, "" is info, off is LevelOff. Filter directives such as
// "info,hyper=warn" are not supported.
func ParseLevel(name string) (slog.Level, error) {
	switch strings.ToLower(name) {
	case "trace", "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	case "off":
		return LevelOff, nil
	}
	return 0, fmt.Errorf("%w %q: want trace, debug, info, warn, error or off", ErrLogLevel, name)
}

// NewLogger logs text to w at the level rustLog (RUST_LOG's value) names,
// or when it is empty at configured (a configuration file's [log] level;
// "" is info).
func NewLogger(w io.Writer, configured, rustLog string) (*slog.Logger, error) {
	source, name := "[log] level", configured
	if rustLog != "" {
		source, name = EnvLogLevel, rustLog
	}
	level, err := ParseLevel(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})), nil
}
