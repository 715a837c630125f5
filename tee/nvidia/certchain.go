package nvidia

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// Outcomes of chain verification, in the order upstream checks them.
var (
	// ErrInvalidCertChain means the PEM chain does not parse.
	ErrInvalidCertChain = errors.New("nvidia: invalid certificate chain")
	// ErrChainTooShort means the chain lacks a signing certificate or root.
	ErrChainTooShort = errors.New("nvidia: certificate chain must have at least the root CA and signing certificates")
	// ErrUntrustedRoot means the chain does not end in the configured root.
	ErrUntrustedRoot = errors.New("nvidia: root CA in the certificate chain is not trusted")
	// ErrNoFWID means the signing certificate has no FWID extension.
	ErrNoFWID = errors.New("nvidia: FWID extension not found in the signing certificate")
	// ErrFWIDMismatch means the signing certificate is for other firmware
	// than the report describes.
	ErrFWIDMismatch = errors.New("nvidia: FWID of the signing certificate does not match the report")
	// ErrChainInvalid means the chain does not verify up to the root.
	ErrChainInvalid = errors.New("nvidia: report certificate chain failed to verify")
)

// oidTCGDiceTcbInfo is the TCG DICE TcbInfo extension; NVIDIA's FWID is
// its last 48 bytes.
var oidTCGDiceTcbInfo = asn1.ObjectIdentifier{2, 23, 133, 5, 4, 1}

const fwidSize = 48

// ParseCertChain reads the PEM chain: signing certificate first, root
// last. Blocks other than certificates are skipped.
func ParseCertChain(pemBytes []byte) ([]*x509.Certificate, error) {
	var chain []*x509.Certificate
	for rest := pemBytes; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate %d: %w", ErrInvalidCertChain, len(chain), err)
		}
		chain = append(chain, cert)
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("%w: no certificate", ErrInvalidCertChain)
	}
	return chain, nil
}

// FWID returns the firmware id a certificate binds (hex), the last 48
// bytes of its TCG DICE TcbInfo extension.
func FWID(cert *x509.Certificate) (string, error) {
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(oidTCGDiceTcbInfo) {
			continue
		}
		if len(ext.Value) < fwidSize {
			return "", fmt.Errorf("%w: TcbInfo extension of %d bytes", ErrNoFWID, len(ext.Value))
		}
		return hex.EncodeToString(ext.Value[len(ext.Value)-fwidSize:]), nil
	}
	return "", ErrNoFWID
}

// VerifyChain checks, as upstream and in its order, that chain has a
// signing certificate and a root, ends in root, that its signing
// certificate's FWID is expectedFWID, and that it verifies up to root at
// time now.
func VerifyChain(chain []*x509.Certificate, root *Root, expectedFWID string, now time.Time) error {
	if len(chain) < 2 {
		return ErrChainTooShort
	}
	if !root.is(chain[len(chain)-1]) {
		return ErrUntrustedRoot
	}
	fwid, err := FWID(chain[0])
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(fwid), []byte(expectedFWID)) != 1 {
		return ErrFWIDMismatch
	}
	intermediates := x509.NewCertPool()
	for _, c := range chain[1 : len(chain)-1] {
		intermediates.AddCert(c)
	}
	if _, err := chain[0].Verify(x509.VerifyOptions{
		Roots:         root.pool,
		Intermediates: intermediates,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		return fmt.Errorf("%w: %w", ErrChainInvalid, err)
	}
	return nil
}

// certDigest identifies a certificate by its DER.
func certDigest(c *x509.Certificate) [32]byte {
	return sha256.Sum256(c.Raw)
}
