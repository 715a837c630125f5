package aa

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/cocoon-cc/cocoon/internal/guest/eventlog"
	"github.com/cocoon-cc/cocoon/internal/guest/startup"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// ErrInvalidConfig wraps every reason an aa.toml is refused.
var ErrInvalidConfig = errors.New("invalid attestation-agent config")

// Config is aa.toml, with upstream's keys. Unknown keys are errors, so a
// misspelt key fails start-up instead of being silently ignored.
type Config struct {
	TokenConfigs   TokenConfigs   `toml:"token_configs" json:"token_configs"`
	EventlogConfig EventlogConfig `toml:"eventlog_config" json:"eventlog_config"`
	Log            LogConfig      `toml:"log" json:"log"`
}

// TokenConfigs says where tokens come from; a nil entry is not configured.
type TokenConfigs struct {
	CoCoAS *CoCoASConfig `toml:"coco_as" json:"coco_as"`
	KBS    *KBSConfig    `toml:"kbs" json:"kbs"`
}

// CoCoASConfig is [token_configs.coco_as].
type CoCoASConfig struct {
	// URL is the CoCo Attestation Service REST base URL.
	URL string `toml:"url" json:"url"`
}

// KBSConfig is [token_configs.kbs].
type KBSConfig struct {
	// URL is the KBS base URL; a trailing "/" is trimmed.
	URL string `toml:"url" json:"url"`
	// Cert is an optional PEM certificate trusted as an extra TLS root.
	Cert string `toml:"cert" json:"cert"`
	// TeeKeyAlgorithm is "ECDH-ES+A256KW-P256" (default),
	// "ECDH-ES+A256KW-P521" or "RSA-OAEP-256".
	TeeKeyAlgorithm string `toml:"tee_key_algorithm" json:"tee_key_algorithm"`
}

// EventlogConfig is [eventlog_config].
type EventlogConfig struct {
	// InitPCR is the PCR extended when a request names none (default 17).
	InitPCR uint64 `toml:"init_pcr" json:"init_pcr"`
	// EnableEventlog turns runtime measurements on (default false).
	EnableEventlog bool `toml:"enable_eventlog" json:"enable_eventlog"`
}

// LogConfig is [log].
type LogConfig struct {
	// Level is "trace", "debug", "info" (default), "warn", "error" or "off".
	Level string `toml:"level" json:"level"`
}

// teeKeyAlgorithms are the tee_key_algorithm values upstream accepts
// without its experimental post-quantum feature.
var teeKeyAlgorithms = []string{kbs.KeyAlgorithmP256, kbs.KeyAlgorithmP521, kbs.KeyAlgorithmRSAOAEP256}

// DefaultConfig is the configuration of an empty file.
func DefaultConfig() *Config {
	return &Config{
		EventlogConfig: EventlogConfig{InitPCR: eventlog.DefaultInitPCR},
		Log:            LogConfig{Level: "info"},
	}
}

// LoadConfig reads aa.toml, or JSON when the name ends in ".json", as
// upstream's config loader infers the format from the extension.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if strings.EqualFold(filepath.Ext(path), ".json") {
		return ParseConfigJSON(b)
	}
	return ParseConfig(b)
}

// ParseConfig parses aa.toml text.
func ParseConfig(b []byte) (*Config, error) {
	cfg := DefaultConfig()
	meta, err := toml.Decode(string(b), cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if undecoded := meta.Undecoded(); len(undecoded) > 0 {
		return nil, fmt.Errorf("%w: unknown key %q", ErrInvalidConfig, undecoded[0].String())
	}
	if err := checkUnsignedPCR(b); err != nil {
		return nil, err
	}
	return cfg, cfg.validate()
}

// checkUnsignedPCR refuses a negative init_pcr, which the TOML decoder
// would wrap around into a huge uint64.
func checkUnsignedPCR(b []byte) error {
	var signed struct {
		EventlogConfig struct {
			InitPCR int64 `toml:"init_pcr"`
		} `toml:"eventlog_config"`
	}
	if _, err := toml.Decode(string(b), &signed); err == nil && signed.EventlogConfig.InitPCR < 0 {
		return fmt.Errorf("%w: eventlog_config.init_pcr %d is negative", ErrInvalidConfig, signed.EventlogConfig.InitPCR)
	}
	return nil
}

// ParseConfigJSON parses the JSON form of the configuration.
func ParseConfigJSON(b []byte) (*Config, error) {
	cfg := DefaultConfig()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the JSON object", ErrInvalidConfig)
	}
	return cfg, cfg.validate()
}

// validate fills defaults and checks values that would otherwise fail
// only at the first request. The certificate is not parsed here: upstream
// accepts any string at load time, and so do we.
func (c *Config) validate() error {
	if k := c.TokenConfigs.KBS; k != nil {
		k.URL = strings.TrimRight(k.URL, "/")
		if err := checkHTTPURL("token_configs.kbs.url", k.URL); err != nil {
			return err
		}
		if k.TeeKeyAlgorithm == "" {
			k.TeeKeyAlgorithm = kbs.KeyAlgorithmP256
		}
		if !slices.Contains(teeKeyAlgorithms, k.TeeKeyAlgorithm) {
			return fmt.Errorf("%w: token_configs.kbs.tee_key_algorithm %q: want one of %s",
				ErrInvalidConfig, k.TeeKeyAlgorithm, strings.Join(teeKeyAlgorithms, ", "))
		}
	}
	if a := c.TokenConfigs.CoCoAS; a != nil {
		if err := checkHTTPURL("token_configs.coco_as.url", a.URL); err != nil {
			return err
		}
	}
	if _, err := c.Log.SlogLevel(); err != nil {
		return err
	}
	return nil
}

func checkHTTPURL(key, raw string) error {
	if raw == "" {
		return fmt.Errorf("%w: %s is required", ErrInvalidConfig, key)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: %s %q: want http(s)://host[:port]", ErrInvalidConfig, key, raw)
	}
	return nil
}

// LevelOff discards every record.
const LevelOff = startup.LevelOff

// SlogLevel maps the upstream (tracing) level name to slog; "trace" is
// debug, "off" is LevelOff. Filter directives such as "info,hyper=warn"
// are not supported.
func (l LogConfig) SlogLevel() (slog.Level, error) {
	level, err := startup.ParseLevel(l.Level)
	if err != nil {
		return 0, fmt.Errorf("%w: log.level: %w", ErrInvalidConfig, err)
	}
	return level, nil
}
