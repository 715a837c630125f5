package cdh

import (
	"fmt"
	"log/slog"
	"strings"
)

// ParseLogLevel maps [log] level to slog. Upstream accepts tracing filter
// directives; Cocoon accepts the plain levels, trace meaning debug.
func ParseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "trace", "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("level %q: want trace, debug, info, warn or error", s)
}
