package config

import (
	"crypto/tls"
	"strings"
)

// TLSProfile is http_server.tls_profile.
type TLSProfile string

// Upstream's profiles. Empty means intermediate.
const (
	TLSOld          TLSProfile = "old"          // TLS 1.2+, every suite Go considers secure
	TLSIntermediate TLSProfile = "intermediate" // TLS 1.2+, AEAD suites with forward secrecy
	TLSModern       TLSProfile = "modern"       // TLS 1.3 only
	TLSCustom       TLSProfile = "custom"       // tls_min/max_version, tls_ciphers, tls_groups
)

var tlsVersions = map[string]uint16{"1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13}

// intermediateSuites is Mozilla's intermediate TLS 1.2 list as Go spells it.
var intermediateSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// openSSLSuiteNames maps OpenSSL's TLS 1.2 names (what upstream configs use)
// to Go's; IANA names are looked up in tls.CipherSuites directly.
var openSSLSuiteNames = map[string]uint16{
	"ECDHE-ECDSA-AES128-GCM-SHA256": tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-RSA-AES128-GCM-SHA256":   tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-ECDSA-AES256-GCM-SHA384": tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-RSA-AES256-GCM-SHA384":   tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-ECDSA-CHACHA20-POLY1305": tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-RSA-CHACHA20-POLY1305":   tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-ECDSA-AES128-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	"ECDHE-RSA-AES128-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	"ECDHE-ECDSA-AES256-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	"ECDHE-RSA-AES256-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
}

// TLS 1.3 suites cannot be restricted in Go (all three are always on), so
// naming them is accepted and has no effect.
var tls13SuiteNames = map[string]bool{
	"TLS_AES_128_GCM_SHA256":       true,
	"TLS_AES_256_GCM_SHA384":       true,
	"TLS_CHACHA20_POLY1305_SHA256": true,
}

var tlsGroupNames = map[string]tls.CurveID{
	"X25519":             tls.X25519,
	"secp256r1":          tls.CurveP256,
	"prime256v1":         tls.CurveP256,
	"P-256":              tls.CurveP256,
	"secp384r1":          tls.CurveP384,
	"P-384":              tls.CurveP384,
	"secp521r1":          tls.CurveP521,
	"P-521":              tls.CurveP521,
	"X25519MLKEM768":     tls.X25519MLKEM768,
	"SecP256r1MLKEM768":  tls.SecP256r1MLKEM768,
	"SecP384r1MLKEM1024": tls.SecP384r1MLKEM1024,
}

// TLSConfig turns the tls_* keys into a crypto/tls configuration without
// certificates (the HTTP server adds those). Curve preferences are left to
// Go unless tls_groups is set: Go already prefers the hybrid post-quantum
// groups upstream prefers.
func (h HTTPServer) TLSConfig() (*tls.Config, error) {
	cfg, errs := h.tlsSettings()
	if errs != nil {
		return nil, errs.err()
	}
	return cfg, nil
}

func (h HTTPServer) tlsSettings() (*tls.Config, problems) {
	var p problems
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	switch h.TLSProfile {
	case TLSOld, TLSCustom:
	case TLSIntermediate, "":
		cfg.CipherSuites = intermediateSuites
	case TLSModern:
		cfg.MinVersion = tls.VersionTLS13
	default:
		p.invalid("http_server.tls_profile", "%q is not one of old, intermediate, modern, custom", h.TLSProfile)
	}
	// Upstream lets the custom keys override any profile (with a warning).
	if v, ok := versionKey(&p, "http_server.tls_min_version", h.TLSMinVersion); ok {
		cfg.MinVersion = v
	}
	if v, ok := versionKey(&p, "http_server.tls_max_version", h.TLSMaxVersion); ok {
		cfg.MaxVersion = v
	}
	if cfg.MaxVersion != 0 && cfg.MaxVersion < cfg.MinVersion {
		p.invalid("http_server.tls_max_version", "%q is below the minimum TLS version", h.TLSMaxVersion)
	}
	// Naming only TLS 1.3 suites leaves the profile's TLS 1.2 list alone.
	if ids := cipherSuites(&p, h.TLSCiphers); len(ids) > 0 {
		cfg.CipherSuites = ids
	}
	if h.TLSGroups != "" {
		cfg.CurvePreferences = curveIDs(&p, h.TLSGroups)
	}
	return cfg, p
}

func versionKey(p *problems, key, v string) (uint16, bool) {
	if v == "" {
		return 0, false
	}
	version, ok := tlsVersions[v]
	if !ok {
		p.invalid(key, "%q is not \"1.2\" or \"1.3\"", v)
	}
	return version, ok
}

func cipherSuites(p *problems, list string) []uint16 {
	secure := make(map[string]uint16)
	for _, s := range tls.CipherSuites() {
		secure[s.Name] = s.ID
	}
	var ids []uint16
	for _, name := range splitColons(list) {
		if tls13SuiteNames[name] {
			continue
		}
		id, ok := openSSLSuiteNames[name]
		if !ok {
			id, ok = secure[name]
		}
		if !ok {
			p.invalid("http_server.tls_ciphers", "%q is not a secure cipher suite Go supports", name)
			continue
		}
		ids = append(ids, id)
	}
	return ids
}

func curveIDs(p *problems, list string) []tls.CurveID {
	var ids []tls.CurveID
	for _, name := range splitColons(list) {
		id, ok := tlsGroupNames[name]
		if !ok {
			p.unsupported("http_server.tls_groups", "group %q (%s)", name, supportedGroups())
			continue
		}
		ids = append(ids, id)
	}
	return ids
}

func supportedGroups() string {
	return "supported: X25519, secp256r1, secp384r1, secp521r1, X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024"
}

func splitColons(list string) []string {
	var out []string
	for _, f := range strings.Split(list, ":") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
