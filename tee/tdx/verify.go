package tdx

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-tdx-guest/abi"
)

var (
	// ErrUntrustedChain means the PCK chain does not lead to a trusted root.
	ErrUntrustedChain = errors.New("tdx: PCK certificate chain not trusted")
	// ErrBadSignature means a quote or QE report signature does not verify.
	ErrBadSignature = errors.New("tdx: signature does not verify")
)

// VerifyQuote checks the cryptography of q: the PCK chain up to one of
// roots at time now, the QE report signed by the PCK key, the QE report
// binding the attestation key, and the quote signed by that key. It
// returns the verified PCK chain and its platform facts.
func VerifyQuote(q *Quote, roots *x509.CertPool, now time.Time) (*PCK, error) {
	if roots == nil {
		return nil, fmt.Errorf("%w: no trusted roots", ErrUntrustedChain)
	}
	pck, err := ParsePCKChain(q.PCKChain)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUntrustedChain, err)
	}
	if err := verifyPCKChain(pck, roots, now); err != nil {
		return nil, err
	}
	if err := verifyQEReport(q, pck.Leaf); err != nil {
		return nil, err
	}
	if err := verifyQuoteSignature(q); err != nil {
		return nil, err
	}
	return pck, nil
}

func verifyPCKChain(pck *PCK, roots *x509.CertPool, now time.Time) error {
	for _, c := range []struct {
		cert *x509.Certificate
		cn   string
	}{{pck.Leaf, PCKCommonName}, {pck.CA, pck.CA.Subject.CommonName}, {pck.Root, RootCACommonName}} {
		if c.cert.Subject.CommonName != c.cn {
			return fmt.Errorf("%w: subject %q, want %q", ErrUntrustedChain, c.cert.Subject.CommonName, c.cn)
		}
		if err := checkP256(c.cert); err != nil {
			return err
		}
	}
	intermediates := x509.NewCertPool()
	intermediates.AddCert(pck.CA)
	_, err := pck.Leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: intermediates,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUntrustedChain, err)
	}
	return nil
}

// checkP256 holds Intel's certificates to their profile: ECDSA P-256
// keys signed with ECDSA-SHA256.
func checkP256(c *x509.Certificate) error {
	key, ok := c.PublicKey.(*ecdsa.PublicKey)
	if !ok || key.Curve != elliptic.P256() || c.SignatureAlgorithm != x509.ECDSAWithSHA256 {
		return fmt.Errorf("%w: %q is not an ECDSA P-256 certificate", ErrUntrustedChain, c.Subject.CommonName)
	}
	return nil
}

// verifyQEReport checks that the PCK key signed the QE report and that the
// report's data is SHA-256(attestation key || QE auth data), zero padded:
// this is what vouches for the attestation key.
func verifyQEReport(q *Quote, leaf *x509.Certificate) error {
	sig, err := abi.SignatureToDER(q.QEReportSignature[:])
	if err != nil {
		return fmt.Errorf("%w: QE report signature: %w", ErrBadSignature, err)
	}
	if err := leaf.CheckSignature(x509.ECDSAWithSHA256, q.QEReport.Raw, sig); err != nil {
		return fmt.Errorf("%w: QE report: %w", ErrBadSignature, err)
	}
	h := sha256.New()
	h.Write(q.AttestationKey[:])
	h.Write(q.QEAuthData)
	want := make([]byte, reportDataSize)
	copy(want, h.Sum(nil))
	if !bytes.Equal(want, q.QEReport.ReportData[:]) {
		return fmt.Errorf("%w: QE report data does not bind the attestation key", ErrBadSignature)
	}
	return nil
}

func verifyQuoteSignature(q *Quote) error {
	key, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append([]byte{4}, q.AttestationKey[:]...))
	if err != nil {
		return fmt.Errorf("%w: attestation key: %w", ErrBadSignature, err)
	}
	sig, err := abi.SignatureToDER(q.Signature[:])
	if err != nil {
		return fmt.Errorf("%w: quote signature: %w", ErrBadSignature, err)
	}
	digest := sha256.Sum256(q.Signed)
	if !ecdsa.VerifyASN1(key, digest[:], sig) {
		return fmt.Errorf("%w: quote", ErrBadSignature)
	}
	return nil
}
