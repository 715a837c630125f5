package config

import "log/slog"

// Secret is a configuration value that must not end up in logs: printing a
// Config with fmt or slog shows it redacted.
type Secret string

const redacted = "<redacted>"

func (Secret) String() string { return redacted }

// GoString covers %#v.
func (Secret) GoString() string { return redacted }

// LogValue covers slog.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
