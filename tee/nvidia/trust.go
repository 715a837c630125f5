package nvidia

import (
	"crypto/subtle"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// ErrInvalidRoot means the configured root is not one self-signed CA
// certificate.
var ErrInvalidRoot = errors.New("nvidia: invalid root CA")

// Root is the device identity root every NVIDIA device chain must end in
// (NVIDIA's "NVIDIA Device Identity CA"; upstream embeds it as
// nvidia_device_root.pem).
type Root struct {
	cert   *x509.Certificate
	digest [32]byte
	pool   *x509.CertPool
}

// LoadRoot reads the root from a PEM file holding exactly one certificate.
func LoadRoot(path string) (*Root, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRoot, err)
	}
	return ParseRoot(b)
}

// ParseRoot reads the root from PEM holding exactly one self-signed CA
// certificate.
func ParseRoot(pemBytes []byte) (*Root, error) {
	block, rest := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%w: no PEM certificate", ErrInvalidRoot)
	}
	if next, _ := pem.Decode(rest); next != nil {
		return nil, fmt.Errorf("%w: more than one PEM block", ErrInvalidRoot)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRoot, err)
	}
	if !cert.IsCA {
		return nil, fmt.Errorf("%w: %q is not a CA", ErrInvalidRoot, cert.Subject)
	}
	if err := cert.CheckSignatureFrom(cert); err != nil {
		return nil, fmt.Errorf("%w: %q is not self-signed: %w", ErrInvalidRoot, cert.Subject, err)
	}
	return NewRoot(cert), nil
}

// NewRoot trusts cert as the device identity root.
func NewRoot(cert *x509.Certificate) *Root {
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &Root{cert: cert, digest: certDigest(cert), pool: pool}
}

// Certificate returns the root certificate.
func (r *Root) Certificate() *x509.Certificate { return r.cert }

// is reports whether c is the root, byte for byte.
func (r *Root) is(c *x509.Certificate) bool {
	d := certDigest(c)
	return subtle.ConstantTimeCompare(d[:], r.digest[:]) == 1
}
