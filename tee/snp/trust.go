package snp

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/verify/trust"
)

// Roots are the certificate authorities endorsement keys must chain to: for
// each generation, AMD's root key (ARK), the signing key of VCEKs (ASK) and
// that of VLEKs (ASVK).
type Roots struct {
	byGeneration map[Generation]*trust.ProductCerts
}

// NewRoots returns roots made of the given certificates, e.g. those of a
// test signer. Each entry needs an ARK and at least one of ASK and ASVK.
func NewRoots(certs map[Generation]*trust.ProductCerts) (*Roots, error) {
	r := &Roots{byGeneration: make(map[Generation]*trust.ProductCerts, len(certs))}
	for g, pc := range certs {
		if pc == nil || pc.Ark == nil || pc.Ask == nil && pc.Asvk == nil {
			return nil, fmt.Errorf("snp: roots for %v need an ARK and an ASK or ASVK", g)
		}
		r.byGeneration[g] = pc
	}
	return r, nil
}

// AMDRoots returns AMD's published roots for Milan, Genoa and Turin, as
// go-sev-guest embeds them (from https://kdsintf.amd.com/v[cl]ek/v1/<product>/cert_chain).
func AMDRoots() (*Roots, error) { return amdRoots() }

var amdRoots = sync.OnceValues(func() (*Roots, error) {
	bundles := map[Generation][2][]byte{
		Milan: {trust.AskArkMilanVcekBytes, trust.AskArkMilanVlekBytes},
		Genoa: {trust.AskArkGenoaVcekBytes, trust.AskArkGenoaVlekBytes},
		Turin: {trust.AskArkTurinVcekBytes, trust.AskArkTurinVlekBytes},
	}
	certs := make(map[Generation]*trust.ProductCerts, len(bundles))
	for g, b := range bundles {
		ask, ark, err := parseBundle(b[0])
		if err != nil {
			return nil, fmt.Errorf("snp: AMD %v VCEK roots: %w", g, err)
		}
		asvk, vlekArk, err := parseBundle(b[1])
		if err != nil {
			return nil, fmt.Errorf("snp: AMD %v VLEK roots: %w", g, err)
		}
		if !bytes.Equal(ark.Raw, vlekArk.Raw) {
			return nil, fmt.Errorf("snp: AMD %v VCEK and VLEK bundles have different ARKs", g)
		}
		certs[g] = &trust.ProductCerts{Ark: ark, Ask: ask, Asvk: asvk}
	}
	return NewRoots(certs)
})

// parseBundle reads a KDS cert_chain bundle: the intermediate (ASK or
// ASVK) then the ARK, in PEM. go-sev-guest's parser refuses the trailing
// newlines of its own Turin VLEK bundle, hence this one.
func parseBundle(pems []byte) (ica, ark *x509.Certificate, err error) {
	var certs []*x509.Certificate
	for rest := pems; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			if len(bytes.TrimSpace(rest)) != 0 {
				return nil, nil, errors.New("trailing data after the certificates")
			}
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, nil, fmt.Errorf("unexpected PEM block %q", block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, nil, err
		}
		certs = append(certs, cert)
	}
	if len(certs) != 2 {
		return nil, nil, fmt.Errorf("%d certificates, want 2", len(certs))
	}
	return certs[0], certs[1], nil
}

// ErrUntrustedEndorsementKey means the VCEK or VLEK does not chain to the
// roots of the report's processor generation.
var ErrUntrustedEndorsementKey = errors.New("snp: endorsement key does not chain to AMD's roots")

// verifyChain checks that cert is an endorsement key of kind signer issued
// for generation g, and returns the time span in which the whole chain is
// valid.
func (r *Roots) verifyChain(cert *x509.Certificate, g Generation, signer abi.ReportSigner, now time.Time) (notBefore, notAfter time.Time, err error) {
	pc, ok := r.byGeneration[g]
	if !ok {
		return notBefore, notAfter, fmt.Errorf("%w: no roots for %v", ErrUntrustedEndorsementKey, g)
	}
	opts := pc.X509Options(now, signer)
	if opts == nil {
		return notBefore, notAfter, fmt.Errorf("%w: no %v signing key for %v", ErrUntrustedEndorsementKey, signer, g)
	}
	// AMD's certificates carry no extended key usage to check.
	opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	chains, err := cert.Verify(*opts)
	if err != nil {
		return notBefore, notAfter, fmt.Errorf("%w (%v): %w", ErrUntrustedEndorsementKey, g, err)
	}
	notBefore, notAfter = cert.NotBefore, cert.NotAfter
	for _, c := range chains[0] {
		if c.NotBefore.After(notBefore) {
			notBefore = c.NotBefore
		}
		if c.NotAfter.Before(notAfter) {
			notAfter = c.NotAfter
		}
	}
	return notBefore, notAfter, nil
}
