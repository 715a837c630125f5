package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// Defaults of [http_server], as upstream.
const (
	DefaultSocket             = "127.0.0.1:8080"
	DefaultPayloadRequestSize = 2 // MiB
)

// HTTPServer is [http_server]: where the KBS listens and how it does TLS.
type HTTPServer struct {
	// Sockets are "IP:port" listen addresses (no host names, as upstream).
	Sockets []string `toml:"sockets"`
	// InsecureHTTP serves plain HTTP; only sensible on loopback or behind a TLS proxy.
	InsecureHTTP bool   `toml:"insecure_http"`
	PrivateKey   string `toml:"private_key"` // PEM file
	Certificate  string `toml:"certificate"` // PEM chain file
	// PayloadRequestSize is the request body limit in MiB.
	PayloadRequestSize uint32 `toml:"payload_request_size"`
	// WorkerCount is how many attestation requests run at once, oldest
	// flow first (upstream: actix workers); 0 means one per CPU.
	WorkerCount   int        `toml:"worker_count"`
	TLSProfile    TLSProfile `toml:"tls_profile"`
	TLSMinVersion string     `toml:"tls_min_version"`
	TLSMaxVersion string     `toml:"tls_max_version"`
	TLSCiphers    string     `toml:"tls_ciphers"` // colon-separated OpenSSL or IANA names
	TLSGroups     string     `toml:"tls_groups"`  // colon-separated group names
}

// MaxRequestBytes is the request body limit in bytes.
func (h HTTPServer) MaxRequestBytes() int64 {
	return int64(h.PayloadRequestSize) << 20
}

func defaultHTTPServer() HTTPServer {
	return HTTPServer{
		Sockets:            []string{DefaultSocket},
		PayloadRequestSize: DefaultPayloadRequestSize,
		TLSProfile:         TLSIntermediate,
	}
}

func (h HTTPServer) validate(p *problems) {
	if len(h.Sockets) == 0 {
		p.invalid("http_server.sockets", "at least one IP:port is required")
	}
	for i, s := range h.Sockets {
		if _, err := netip.ParseAddrPort(s); err != nil {
			p.invalid(fmt.Sprintf("http_server.sockets[%d]", i), "%q is not an IP:port address: %v", s, err)
		}
	}
	if h.PayloadRequestSize == 0 {
		p.invalid("http_server.payload_request_size", "must be at least 1 (MiB)")
	}
	if h.WorkerCount < 0 {
		p.invalid("http_server.worker_count", "must not be negative")
	}
	if !h.InsecureHTTP {
		if strings.TrimSpace(h.PrivateKey) == "" {
			p.invalid("http_server.private_key", "required for HTTPS (or set insecure_http = true)")
		}
		if strings.TrimSpace(h.Certificate) == "" {
			p.invalid("http_server.certificate", "required for HTTPS (or set insecure_http = true)")
		}
	}
	if _, err := h.tlsSettings(); err != nil {
		*p = append(*p, err...)
	}
}

// exposedInsecurely reports plain-HTTP sockets that are not loopback.
func (h HTTPServer) exposedInsecurely() []string {
	if !h.InsecureHTTP {
		return nil
	}
	var exposed []string
	for _, s := range h.Sockets {
		if ap, err := netip.ParseAddrPort(s); err == nil && !ap.Addr().IsLoopback() {
			exposed = append(exposed, s)
		}
	}
	return exposed
}
