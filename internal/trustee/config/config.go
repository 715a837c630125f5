// Package config reads Trustee's TOML configuration, compatible with
// upstream Trustee's KBS config schema (HEAD, plus v0.16 spellings where
// cheap), and turns it into a validated runtime Config.
//
// Parsing is strict: a key Cocoon does not know is an error naming the full
// dotted key, so a typo never silently falls back to a default. Values
// upstream knows but Cocoon does not implement yet are parsed and reported
// by Validate as ErrUnsupported. docs/configuration.md documents every key.
package config

import (
	"fmt"
	"os"
	"path/filepath"
)

// Config is the validated runtime configuration of a Trustee server. The
// toml tags are the file's key names.
type Config struct {
	// SessionStorageType stores RCAR sessions apart from the other data;
	// "" uses storage_backend.storage_type. Backend settings are shared.
	SessionStorageType StorageType        `toml:"session_storage_type"`
	HTTPServer         HTTPServer         `toml:"http_server"`
	AttestationToken   AttestationToken   `toml:"attestation_token"`
	AttestationService AttestationService `toml:"attestation_service"`
	Admin              Admin              `toml:"admin"`
	StorageBackend     StorageBackend     `toml:"storage_backend"`
	Plugins            []Plugin           `toml:"plugins"`

	// Warnings are non-fatal findings of Parse (legacy keys, insecure
	// settings) for the caller to log at start-up.
	Warnings []string `toml:"-"`
}

// Load reads and parses the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// Default is the zero-config development server: plain HTTP on loopback,
// LocalFs storage under dataDir, in-memory sessions, one v0.16-style admin
// persona whose public key is dataDir/admin.pub, and a persistent token
// signing key at dataDir/token.key. The all-in-one server verifies tokens
// with its own signer key, so insecure_header_jwk stays false.
func Default(dataDir string) *Config {
	c := defaults()
	c.HTTPServer.InsecureHTTP = true
	c.SessionStorageType = StorageMemory
	c.StorageBackend.StorageType = StorageLocalFs
	c.StorageBackend.Backends.LocalFs.DirPath = filepath.Join(dataDir, "storage")
	c.Admin = Admin{
		Type:     AdminSimple,
		Personas: []Persona{{ID: "admin", PublicKeyPath: filepath.Join(dataDir, "admin.pub")}},
	}
	c.AttestationService.TokenBroker.Signer = &TokenSigner{KeyPath: filepath.Join(dataDir, "token.key")}
	c.Plugins = []Plugin{{Name: PluginResource, StorageBackendType: ResourceKVStorage}}
	return c
}

// defaults is what an empty file means.
func defaults() *Config {
	return &Config{
		HTTPServer:         defaultHTTPServer(),
		AttestationService: defaultAttestationService(),
		StorageBackend:     defaultStorageBackend(),
	}
}

// Validate reports every problem of the configuration, each a *KeyError
// naming its key, joined into one error.
func (c *Config) Validate() error {
	var p problems
	c.validate(&p)
	return p.err()
}

func (c *Config) validate(p *problems) {
	checkStorageType(p, "session_storage_type", c.SessionStorageType, true)
	c.HTTPServer.validate(p)
	c.AttestationToken.validate(p)
	c.AttestationService.validate(p)
	c.Admin.validate(p)
	c.StorageBackend.validate(p)
	validatePlugins(p, c.Plugins)
}

// SessionStorage is the backend RCAR sessions use.
func (c *Config) SessionStorage() StorageType {
	return inherit(c.SessionStorageType, c.StorageBackend.StorageType)
}

// ASStorage is the backend attestation policies use.
func (c *Config) ASStorage() StorageType {
	return inherit(c.AttestationService.StorageType, c.StorageBackend.StorageType)
}

// RVPSStorage is the backend reference values use.
func (c *Config) RVPSStorage() StorageType {
	return inherit(c.AttestationService.RVPS.StorageType, c.StorageBackend.StorageType)
}

func inherit(override, base StorageType) StorageType {
	if override != "" {
		return override.canonical()
	}
	return base.canonical()
}

func (c *Config) normalize() {
	c.SessionStorageType = c.SessionStorageType.canonical()
	c.StorageBackend.normalize()
	c.AttestationService.normalize()
	for i := range c.Plugins {
		c.Warnings = append(c.Warnings, c.Plugins[i].normalize(i)...)
	}
}
