package nvidia

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// ErrUnsupportedArch means the device cannot be verified locally; upstream
// verifies only Hopper GPUs without NVIDIA's remote service.
var ErrUnsupportedArch = errors.New("nvidia: device architecture not supported by the local verifier")

// OCSPStatus says whether and how the chain's revocation was checked.
type OCSPStatus string

// OCSP outcomes that let a device verify; a revoked or unknown status, or
// an unreachable responder, is a verification error.
const (
	OCSPNotChecked OCSPStatus = "not_checked"
	OCSPGood       OCSPStatus = "good"
)

// VerifierOptions configures a Verifier.
type VerifierOptions struct {
	// Root is NVIDIA's device identity root; required.
	Root *Root
	// OCSP checks the chain's revocation; nil leaves it unchecked, as
	// upstream's local verifier does, and says so in the claims.
	OCSP *OCSPChecker
	// Now is the time certificates must be valid at; nil means time.Now.
	Now func() time.Time
}

// Verifier verifies Hopper device evidence locally. It is safe for
// concurrent use.
type Verifier struct {
	root   *Root
	ocsp   *OCSPChecker
	now    func() time.Time
	chains *chainCache
}

// VerifiedDevice is a device whose report verified under its chain. Its
// nonce is not checked yet: see ValidateNonce.
type VerifiedDevice struct {
	Arch   Arch
	UUID   string
	Report *Report
	OCSP   OCSPStatus
}

// NewVerifier returns a Verifier.
func NewVerifier(opts VerifierOptions) (*Verifier, error) {
	if opts.Root == nil {
		return nil, fmt.Errorf("%w: none configured", ErrInvalidRoot)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Verifier{root: opts.Root, ocsp: opts.OCSP, now: now, chains: newChainCache(chainCacheSize)}, nil
}

// VerifyDevice parses the device's report and chain, checks the chain up
// to the root and against the report's FWID, the report signature and,
// when configured, OCSP. Verified chains are cached, so a device's chain
// is parsed and checked once while its certificates are valid.
func (v *Verifier) VerifyDevice(ctx context.Context, d DeviceEvidence) (*VerifiedDevice, error) {
	if d.Arch != ArchHopper {
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedArch, d.Arch)
	}
	chainPEM, err := d.CertChainPEM()
	if err != nil {
		return nil, err
	}
	raw, err := d.Report()
	if err != nil {
		return nil, err
	}
	report, err := ParseReport(raw, HopperSignatureSize)
	if err != nil {
		return nil, err
	}
	fwid, ok := report.Response.Opaque[OpaqueFWID].(string)
	if !ok {
		return nil, fmt.Errorf("%w: no fwid in the opaque data", ErrInvalidReport)
	}
	chain, err := v.verifiedChain(chainPEM, fwid)
	if err != nil {
		return nil, err
	}
	if err := VerifySignature(report, chain.signer); err != nil {
		return nil, err
	}
	status := OCSPNotChecked
	if v.ocsp != nil {
		if err := v.ocsp.Check(ctx, chain.certs); err != nil {
			return nil, err
		}
		status = OCSPGood
	}
	return &VerifiedDevice{Arch: d.Arch, UUID: d.UUID, Report: report, OCSP: status}, nil
}

// verifiedChain returns the chain from the cache or verifies it.
func (v *Verifier) verifiedChain(chainPEM []byte, fwid string) (*verifiedChain, error) {
	h := sha256.New()
	h.Write([]byte(fwid))
	h.Write([]byte{0})
	h.Write(chainPEM)
	var key [sha256.Size]byte
	h.Sum(key[:0])

	now := v.now()
	if c := v.chains.get(key, now); c != nil {
		return c, nil
	}
	certs, err := ParseCertChain(chainPEM)
	if err != nil {
		return nil, err
	}
	if err := VerifyChain(certs, v.root, fwid, now); err != nil {
		return nil, err
	}
	signer, ok := certs[0].PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: signing key is %T, not ECDSA", ErrBadSignature, certs[0].PublicKey)
	}
	c := &verifiedChain{certs: certs, signer: signer, notBefore: certs[0].NotBefore, notAfter: certs[0].NotAfter}
	for _, cert := range certs[1:] {
		c.narrow(cert)
	}
	v.chains.put(key, c)
	return c, nil
}

// verifiedChain is a chain that verified, valid between notBefore and
// notAfter (the intersection of its certificates' validity).
type verifiedChain struct {
	certs               []*x509.Certificate
	signer              *ecdsa.PublicKey
	notBefore, notAfter time.Time
}

func (c *verifiedChain) narrow(cert *x509.Certificate) {
	if cert.NotBefore.After(c.notBefore) {
		c.notBefore = cert.NotBefore
	}
	if cert.NotAfter.Before(c.notAfter) {
		c.notAfter = cert.NotAfter
	}
}
