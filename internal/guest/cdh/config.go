package cdh

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/cocoon-cc/cocoon/internal/guest/resourceuri"
	"github.com/cocoon-cc/cocoon/internal/guest/startup"
)

// Defaults of cdh.toml, upstream's.
const (
	DefaultSocket   = "unix:///run/confidential-containers/cdh.sock"
	DefaultAASocket = "unix:///run/confidential-containers/attestation-agent/attestation-agent.sock"
	DefaultLogLevel = "info"
	// CredentialsDir is where [[credentials]] may be written, and only there.
	CredentialsDir = "/run/confidential-containers/cdh/kbs"
)

// KBC names of cdh.toml's [kbc] name.
const (
	KBCCC        = "cc_kbc"
	KBCOfflineFS = "offline_fs_kbc"
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("cdh config")

// maxConfigSize bounds the configuration file.
const maxConfigSize = 1 << 20

// Config is cdh.toml (or its JSON twin). Unknown keys are errors, except
// under [image], where upstream ignores them and its own example relies on
// that: there they are listed in IgnoredKeys for the caller to warn about.
type Config struct {
	Socket                       string       `toml:"socket" json:"socket"`
	SkipSealedSecretVerification bool         `toml:"skip_sealed_secret_verification" json:"skip_sealed_secret_verification"`
	AA                           AAConfig     `toml:"aa" json:"aa"`
	KBC                          *KBCConfig   `toml:"kbc" json:"kbc"`
	Credentials                  []Credential `toml:"credentials" json:"credentials"`
	// Image is image-rs's configuration, checked for shape and kept for
	// PullImage; nil when [image] is absent.
	Image *ImageConfig `toml:"image" json:"image"`
	Log   LogConfig    `toml:"log" json:"log"`

	// IgnoredKeys are the unknown keys under [image] that were skipped.
	IgnoredKeys []string `toml:"-" json:"-"`
}

// AAConfig is [aa].
type AAConfig struct {
	Socket string `toml:"aa_socket" json:"aa_socket"`
}

// KBCConfig is [kbc].
type KBCConfig struct {
	Name string `toml:"name" json:"name"`
	URL  string `toml:"url" json:"url"`
	// Cert is PEM trusted for the KBS's HTTPS; "" means system roots.
	Cert string `toml:"kbs_cert" json:"kbs_cert"`
}

// Credential is one [[credentials]] item, fetched at start-up.
type Credential struct {
	ResourceURI string `toml:"resource_uri" json:"resource_uri"`
	Path        string `toml:"path" json:"path"`
}

// LogConfig is [log].
type LogConfig struct {
	Level string `toml:"level" json:"level"`
}

// ImageConfig is image-rs's ImageConfig as cdh.toml's [image] spells it.
type ImageConfig struct {
	WorkDir                             string          `toml:"work_dir" json:"work_dir"`
	ImageSecurityPolicyURI              string          `toml:"image_security_policy_uri" json:"image_security_policy_uri"`
	ImageSecurityPolicy                 string          `toml:"image_security_policy" json:"image_security_policy"`
	SigstoreConfigURI                   string          `toml:"sigstore_config_uri" json:"sigstore_config_uri"`
	SigstoreConfig                      string          `toml:"sigstore_config" json:"sigstore_config"`
	AuthenticatedRegistryCredentialsURI string          `toml:"authenticated_registry_credentials_uri" json:"authenticated_registry_credentials_uri"`
	RegistryConfigurationURI            string          `toml:"registry_configuration_uri" json:"registry_configuration_uri"`
	RegistryConfig                      *RegistryConfig `toml:"registry_config" json:"registry_config"`
	MaxConcurrentLayerDownloads         int             `toml:"max_concurrent_layer_downloads_per_image" json:"max_concurrent_layer_downloads_per_image"`
	ImagePullProxy                      *ProxyConfig    `toml:"image_pull_proxy" json:"image_pull_proxy"`
	ExtraRootCertificates               []string        `toml:"extra_root_certificates" json:"extra_root_certificates"`
	KBC                                 string          `toml:"kbc" json:"kbc"`
	KBSURI                              string          `toml:"kbs_uri" json:"kbs_uri"`
}

// RegistryConfig is the inline registries.conf subset of [image.registry_config].
type RegistryConfig struct {
	UnqualifiedSearchRegistries []string   `toml:"unqualified-search-registries" json:"unqualified-search-registries"`
	Registry                    []Registry `toml:"registry" json:"registry"`
}

// Registry is one [[image.registry_config.registry]].
type Registry struct {
	Prefix   string   `toml:"prefix" json:"prefix"`
	Location string   `toml:"location" json:"location"`
	Insecure bool     `toml:"insecure" json:"insecure"`
	Blocked  bool     `toml:"blocked" json:"blocked"`
	Mirror   []Mirror `toml:"mirror" json:"mirror"`
}

// Mirror is one mirror of a registry.
type Mirror struct {
	Location string `toml:"location" json:"location"`
	Insecure bool   `toml:"insecure" json:"insecure"`
}

// ProxyConfig is [image.image_pull_proxy].
type ProxyConfig struct {
	HTTPSProxy string `toml:"https_proxy" json:"https_proxy"`
	HTTPProxy  string `toml:"http_proxy" json:"http_proxy"`
	NoProxy    string `toml:"no_proxy" json:"no_proxy"`
}

// LoadConfig reads a TOML file, or JSON when the name ends in ".json", as
// upstream picks the format by extension, and validates it.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	format := "toml"
	if strings.EqualFold(filepath.Ext(path), ".json") {
		format = "json"
	}
	return ParseConfig(b, format)
}

// ParseConfig parses cdh.toml ("toml") or its JSON form ("json"), applies
// upstream's defaults and validates the result.
func ParseConfig(b []byte, format string) (*Config, error) {
	if len(b) > maxConfigSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrConfig, maxConfigSize)
	}
	var c Config
	switch format {
	case "toml":
		md, err := toml.Decode(string(b), &c)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		for _, key := range md.Undecoded() {
			if key[0] != "image" {
				return nil, fmt.Errorf("%w: unknown key %q", ErrConfig, key.String())
			}
			c.IgnoredKeys = append(c.IgnoredKeys, key.String())
		}
	case "json":
		if err := decodeJSONConfig(b, &c); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: unknown format %q", ErrConfig, format)
	}
	c.applyDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// decodeJSONConfig decodes strictly, except that unknown members of
// "image" are skipped and noted, as the TOML path does.
func decodeJSONConfig(b []byte, c *Config) error {
	var top struct {
		Config
		Image json.RawMessage `json:"image"`
	}
	if err := strictJSON(b, &top); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	*c = top.Config
	if len(top.Image) == 0 || string(top.Image) == "null" {
		return nil
	}
	c.Image = &ImageConfig{}
	err := strictJSON(top.Image, c.Image)
	if err == nil {
		return nil
	}
	if !strings.HasPrefix(err.Error(), "json: unknown field") {
		return fmt.Errorf("%w: image: %w", ErrConfig, err)
	}
	c.IgnoredKeys = append(c.IgnoredKeys, "image: "+err.Error())
	*c.Image = ImageConfig{}
	if err := json.Unmarshal(top.Image, c.Image); err != nil {
		return fmt.Errorf("%w: image: %w", ErrConfig, err)
	}
	return nil
}

func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON object")
	}
	return nil
}

func (c *Config) applyDefaults() {
	if c.Socket == "" {
		c.Socket = DefaultSocket
	}
	if c.AA.Socket == "" {
		c.AA.Socket = DefaultAASocket
	}
	if c.Log.Level == "" {
		c.Log.Level = DefaultLogLevel
	}
}

// Validate checks what upstream checks at start-up, and a little more.
func (c *Config) Validate() error {
	if c.KBC == nil {
		return fmt.Errorf("%w: [kbc] is required", ErrConfig)
	}
	switch c.KBC.Name {
	case KBCCC:
		if c.KBC.URL == "" {
			return fmt.Errorf("%w: [kbc] url is required for %s", ErrConfig, KBCCC)
		}
	case KBCOfflineFS:
	default:
		return fmt.Errorf("%w: [kbc] name %q, want %q or %q", ErrConfig, c.KBC.Name, KBCCC, KBCOfflineFS)
	}
	if _, err := SocketPath(c.Socket); err != nil {
		return fmt.Errorf("%w: socket: %w", ErrConfig, err)
	}
	if _, err := SocketPath(c.AA.Socket); err != nil {
		return fmt.Errorf("%w: [aa] aa_socket: %w", ErrConfig, err)
	}
	if _, err := startup.ParseLevel(c.Log.Level); err != nil {
		return fmt.Errorf("%w: [log] %w", ErrConfig, err)
	}
	for i, cred := range c.Credentials {
		if err := cred.validate(CredentialsDir); err != nil {
			return fmt.Errorf("%w: [[credentials]] #%d: %w", ErrConfig, i+1, err)
		}
	}
	return nil
}

// validate applies upstream's path check (below dir, no "." or ".."
// segment), requiring a real sub-path where upstream compares prefixes.
func (cr Credential) validate(dir string) error {
	if _, err := resourceuri.Parse(cr.ResourceURI); err != nil {
		return err
	}
	rel, ok := strings.CutPrefix(cr.Path, dir+"/")
	if !ok || rel == "" {
		return fmt.Errorf("path %q must be a file below %s", cr.Path, dir)
	}
	for _, seg := range strings.Split(rel, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("path %q must not have empty, \".\" or \"..\" segments", cr.Path)
		}
	}
	return nil
}

// SocketPath returns the file of a "unix://<path>" address, the only
// transport the ttRPC CDH listens on.
func SocketPath(addr string) (string, error) {
	p, ok := strings.CutPrefix(addr, "unix://")
	if !ok || p == "" {
		return "", fmt.Errorf("%q: want unix:///path/to/socket", addr)
	}
	return p, nil
}
