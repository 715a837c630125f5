package tdx

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"

	"github.com/google/go-tdx-guest/pcs"
)

// Common names of Intel's SGX/TDX PKI.
const (
	RootCACommonName      = "Intel SGX Root CA"
	PlatformCACommonName  = "Intel SGX PCK Platform CA"
	ProcessorCACommonName = "Intel SGX PCK Processor CA"
	PCKCommonName         = "Intel SGX PCK Certificate"
	TCBSigningCommonName  = "Intel SGX TCB Signing"
)

// SGX extension OIDs (Intel SGX PCK Certificate Profile) that go-tdx-guest
// does not read: the SGX type and the Platform CA-only fields.
var (
	oidSGXExtensions    = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1}
	oidSGXType          = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1, 5}
	oidPlatformInstance = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1, 6}
	oidConfiguration    = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1, 7}
	oidDynamicPlatform  = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1, 7, 1}
	oidCachedKeys       = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1, 7, 2}
	oidSMTEnabled       = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1, 7, 3}
)

// PCK is a PCK certificate chain with the platform facts of its leaf.
type PCK struct {
	Leaf, CA, Root *x509.Certificate
	// PlatformCA is true for a chain through the PCK Platform CA.
	PlatformCA bool
	Extensions *pcs.PckExtensions
	// SGXType is 0 Standard, 1 Scalable, 2 Scalable with Integrity.
	SGXType int
	// PlatformInstanceID and the configuration flags exist only in
	// certificates of the Platform CA.
	PlatformInstanceID []byte
	DynamicPlatform    *bool
	CachedKeys         *bool
	SMTEnabled         *bool
}

var errPCK = errors.New("tdx: bad PCK certificate chain")

// ParsePCKChain parses the PEM chain of a quote (leaf, CA, root; a NUL
// may follow) and the SGX extensions of its leaf. It checks no signature.
func ParsePCKChain(chainPEM []byte) (*PCK, error) {
	var certs []*x509.Certificate
	rest := chainPEM
	for len(certs) < 3 {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil || block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("%w: want 3 PEM certificates, found %d", errPCK, len(certs))
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate %d: %w", errPCK, len(certs), err)
		}
		certs = append(certs, c)
	}
	if len(rest) > 1 || (len(rest) == 1 && rest[0] != 0) {
		return nil, fmt.Errorf("%w: %d bytes after the root certificate", errPCK, len(rest))
	}
	p := &PCK{Leaf: certs[0], CA: certs[1], Root: certs[2]}
	switch p.CA.Subject.CommonName {
	case PlatformCACommonName:
		p.PlatformCA = true
	case ProcessorCACommonName:
	default:
		return nil, fmt.Errorf("%w: unexpected PCK CA %q", errPCK, p.CA.Subject.CommonName)
	}
	var err error
	if p.Extensions, err = pcs.PckCertificateExtensions(p.Leaf); err != nil {
		return nil, fmt.Errorf("%w: %w", errPCK, err)
	}
	if err := p.readPlatformExtensions(); err != nil {
		return nil, err
	}
	return p, nil
}

// sgxField is one OID-value pair of the SGX extension sequence.
type sgxField struct {
	ID    asn1.ObjectIdentifier
	Value asn1.RawValue
}

func (p *PCK) readPlatformExtensions() error {
	i := slices.IndexFunc(p.Leaf.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(oidSGXExtensions) })
	var fields []sgxField
	if _, err := asn1.Unmarshal(p.Leaf.Extensions[i].Value, &fields); err != nil {
		return fmt.Errorf("%w: SGX extension: %w", errPCK, err)
	}
	for _, f := range fields {
		switch {
		case f.ID.Equal(oidSGXType):
			var e asn1.Enumerated
			if _, err := asn1.Unmarshal(f.Value.FullBytes, &e); err != nil {
				return fmt.Errorf("%w: SGX type: %w", errPCK, err)
			}
			p.SGXType = int(e)
		case f.ID.Equal(oidPlatformInstance):
			var id []byte
			if _, err := asn1.Unmarshal(f.Value.FullBytes, &id); err != nil || len(id) != 16 {
				return fmt.Errorf("%w: platform instance id", errPCK)
			}
			// Stored little-endian; upstream reports it byte-reversed.
			slices.Reverse(id)
			p.PlatformInstanceID = id
		case f.ID.Equal(oidConfiguration):
			if err := p.readConfiguration(f.Value.FullBytes); err != nil {
				return err
			}
		}
	}
	if p.PlatformCA != (p.PlatformInstanceID != nil) {
		return fmt.Errorf("%w: platform instance id present=%t under a %q", errPCK, p.PlatformInstanceID != nil, p.CA.Subject.CommonName)
	}
	return nil
}

func (p *PCK) readConfiguration(der []byte) error {
	var flags []struct {
		ID    asn1.ObjectIdentifier
		Value bool
	}
	if _, err := asn1.Unmarshal(der, &flags); err != nil {
		return fmt.Errorf("%w: configuration: %w", errPCK, err)
	}
	for _, f := range flags {
		v := f.Value
		switch {
		case f.ID.Equal(oidDynamicPlatform):
			p.DynamicPlatform = &v
		case f.ID.Equal(oidCachedKeys):
			p.CachedKeys = &v
		case f.ID.Equal(oidSMTEnabled):
			p.SMTEnabled = &v
		}
	}
	return nil
}

// FMSPC is the platform's FMSPC in upper-case hex, as PCS URLs spell it.
func (p *PCK) FMSPC() string {
	b, _ := hex.DecodeString(p.Extensions.FMSPC)
	return fmt.Sprintf("%X", b)
}
