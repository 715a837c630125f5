package tpm

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
)

// Environment variables upstream's TPM attester and agent read.
const (
	EnvDevice       = "AA_TPM_DEVICE"
	EnvAKHandle     = "AA_TPM_AK_HANDLE"
	EnvEventLogPath = "AAEL_PATH"
)

// Defaults of the attester.
const (
	// DefaultAKHandle is the persistent handle of the attestation key.
	DefaultAKHandle uint32 = 0x81010002
	// DefaultEventLogPath is where the attestation-agent keeps the AAEL.
	DefaultEventLogPath = "/run/attestation-agent/eventlog"
)

// Persistent handles owned by the storage hierarchy's owner.
const (
	persistentFirst uint32 = 0x81000000
	persistentLast  uint32 = 0x817fffff
)

// Config says which TPM to use and how.
type Config struct {
	// Device is a TPM character device or "tcp://HOST:PORT" of a simulator
	// speaking raw TPM commands; empty means the first of DefaultDevices.
	Device string
	// AKHandle is the persistent handle of the AK; zero means
	// DefaultAKHandle.
	AKHandle uint32
	// EventLogPath is the AAEL file sent with the evidence when it exists;
	// empty sends none.
	EventLogPath string
	// Logger receives operational events; nil discards them.
	Logger *slog.Logger
}

// ConfigFromEnv is upstream's configuration: AA_TPM_DEVICE,
// AA_TPM_AK_HANDLE (hex, "0x" optional) and AAEL_PATH, with their defaults.
func ConfigFromEnv() (Config, error) {
	cfg := Config{Device: os.Getenv(EnvDevice), EventLogPath: DefaultEventLogPath}
	if p := os.Getenv(EnvEventLogPath); p != "" {
		cfg.EventLogPath = p
	}
	if s := os.Getenv(EnvAKHandle); s != "" {
		h, err := ParseHandle(s)
		if err != nil {
			return Config{}, fmt.Errorf("%s: %w", EnvAKHandle, err)
		}
		cfg.AKHandle = h
	}
	return cfg, nil
}

// ParseHandle parses a persistent handle in hex, with or without "0x".
func ParseHandle(s string) (uint32, error) {
	digits := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	h, err := strconv.ParseUint(digits, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("tpm: handle %q is not hexadecimal", s)
	}
	if uint32(h) < persistentFirst || uint32(h) > persistentLast {
		return 0, fmt.Errorf("tpm: handle %#x is not an owner persistent handle (0x81000000-0x817fffff)", h)
	}
	return uint32(h), nil
}
