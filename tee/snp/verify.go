package snp

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/verify"
	"golang.org/x/sync/singleflight"
)

// Errors of verification; callers branch on them.
var (
	// ErrNoEndorsementKey means neither the evidence nor a VCEK source gave
	// the key that signed the report.
	ErrNoEndorsementKey = errors.New("snp: no endorsement key for the report")
	// ErrSignature means the report is not signed by its endorsement key.
	ErrSignature = errors.New("snp: report signature does not verify")
	// ErrTCBMismatch means the reported TCB is not the one the endorsement
	// key certifies.
	ErrTCBMismatch = errors.New("snp: reported TCB does not match the endorsement key")
	// ErrChipIDMismatch means the VCEK was issued for another chip.
	ErrChipIDMismatch = errors.New("snp: chip id does not match the VCEK")
)

// VerifierOptions configures a Verifier; the zero value trusts AMD's roots
// and uses only the certificates in the evidence.
type VerifierOptions struct {
	// Roots are the trusted AMD roots; nil means AMDRoots.
	Roots *Roots
	// Sources are asked in order for the VCEK when the evidence has no
	// certificate chain.
	Sources []VCEKSource
	// Now is the time certificates must be valid at; nil means time.Now.
	Now func() time.Time
	// CacheSize bounds the verified endorsement keys kept; 0 means 1024.
	CacheSize int
}

// Verifier verifies SNP evidence: the endorsement key (VCEK or VLEK) chain
// to AMD's roots, the report signature, and the reported TCB and chip id
// against the key's certificate. It keeps the endorsement keys it verified,
// so that a chip's next report costs one ECDSA verification. It is safe for
// concurrent use.
type Verifier struct {
	roots   *Roots
	sources []VCEKSource
	now     func() time.Time

	flight singleflight.Group
	keys   *boundedCache[endorsementKeyID, *endorsementKey]
}

// NewVerifier returns a Verifier.
func NewVerifier(opts VerifierOptions) (*Verifier, error) {
	roots := opts.Roots
	if roots == nil {
		var err error
		if roots, err = AMDRoots(); err != nil {
			return nil, err
		}
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Verifier{
		roots:   roots,
		sources: opts.Sources,
		now:     now,
		keys:    newBoundedCache[endorsementKeyID, *endorsementKey](opts.CacheSize, 1024),
	}, nil
}

// Verified is a report whose signature and endorsement key were verified.
type Verified struct {
	Report     *AttestationReport
	Generation Generation
	// Signer is the kind of key that signed the report (VCEK or VLEK).
	Signer abi.ReportSigner
}

// Verify checks the evidence's report was signed by an endorsement key that
// AMD issued for its chip and reported TCB. It does not check the report's
// bindings (see Validate).
func (v *Verifier) Verify(ctx context.Context, ev *Evidence) (*Verified, error) {
	report := &ev.AttestationReport
	info, err := abi.ParseSignerInfo(report.KeyInfo)
	if err != nil {
		return nil, fmt.Errorf("%w: key_info: %w", ErrMalformedEvidence, err)
	}
	if info.SigningKey != abi.VcekReportSigner && info.SigningKey != abi.VlekReportSigner {
		return nil, fmt.Errorf("%w: signed by %v", ErrNoEndorsementKey, info.SigningKey)
	}
	raw, err := report.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedEvidence, err)
	}
	gens, err := report.candidates()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedEvidence, err)
	}
	ek, g, err := v.endorsementKey(ctx, ev, gens, info.SigningKey)
	if err != nil {
		return nil, err
	}
	if err := verify.SnpReportSignature(raw, ek.cert); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	if err := checkEndorsement(report, g, info, ek.ext); err != nil {
		return nil, err
	}
	return &Verified{Report: report, Generation: g, Signer: info.SigningKey}, nil
}

// checkEndorsement compares the report with what its endorsement key
// certifies: the reported TCB (FMC included on Turin) and, for a VCEK, the
// chip id unless the host masked it.
func checkEndorsement(r *AttestationReport, g Generation, info abi.SignerInfo, ext endorsementExtensions) error {
	got, want := r.ReportedTCB, ext.tcb
	if got.Bootloader != want.Bootloader || got.TEE != want.TEE || got.SNP != want.SNP || got.Microcode != want.Microcode {
		return fmt.Errorf("%w: report bl %d tee %d snp %d ucode %d, certificate bl %d tee %d snp %d ucode %d",
			ErrTCBMismatch, got.Bootloader, got.TEE, got.SNP, got.Microcode,
			want.Bootloader, want.TEE, want.SNP, want.Microcode)
	}
	if g == Turin && (got.FMC == nil || want.FMC == nil || *got.FMC != *want.FMC) {
		return fmt.Errorf("%w: FMC version differs or is missing", ErrTCBMismatch)
	}
	if info.SigningKey != abi.VcekReportSigner {
		return nil
	}
	if info.MaskChipKey {
		if !allZero(r.ChipID) {
			return fmt.Errorf("%w: chip id masked by the host but not zero", ErrChipIDMismatch)
		}
		return nil
	}
	if ext.hwid == nil || subtle.ConstantTimeCompare(ext.hwid, r.ChipID) != 1 {
		return ErrChipIDMismatch
	}
	return nil
}

// endorsementKeyID identifies a verified key: its certificate and what it
// was verified as.
type endorsementKeyID struct {
	digest     [sha256.Size]byte
	generation Generation
	signer     abi.ReportSigner
}

// endorsementKey is a VCEK or VLEK that chains to the roots.
type endorsementKey struct {
	cert                *x509.Certificate
	ext                 endorsementExtensions
	notBefore, notAfter time.Time
}

// endorsementKey returns the verified key that signed the report, from the
// evidence's chain or else from the sources, and the generation whose roots
// it chains to.
func (v *Verifier) endorsementKey(ctx context.Context, ev *Evidence, gens []Generation, signer abi.ReportSigner) (*endorsementKey, Generation, error) {
	if ev.CertChain != nil {
		der, err := chainCertificate(ev.CertChain, signer)
		if err != nil {
			return nil, 0, err
		}
		return v.verifyAny(der, gens, signer)
	}
	if signer == abi.VlekReportSigner {
		return nil, 0, fmt.Errorf("%w: a VLEK must come with the evidence", ErrNoEndorsementKey)
	}
	var errs []error
	for _, g := range gens {
		for _, s := range v.sources {
			der, err := s.VCEK(ctx, g, &ev.AttestationReport)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			ek, err := v.verified(der, g, signer)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			return ek, g, nil
		}
	}
	return nil, 0, fmt.Errorf("%w: %w", ErrNoEndorsementKey, errors.Join(errs...))
}

// chainCertificate picks the certificate of the signing key's type from the
// host's table; the ARK and ASK it may hold are not needed, the trusted
// ones are used.
func chainCertificate(chain []CertTableEntry, signer abi.ReportSigner) ([]byte, error) {
	want := CertVCEK
	if signer == abi.VlekReportSigner {
		want = CertVLEK
	}
	for _, c := range chain {
		if c.CertType.Name == want {
			return c.Data, nil
		}
	}
	return nil, fmt.Errorf("%w: the evidence's certificate chain has no %s", ErrNoEndorsementKey, want)
}

func (v *Verifier) verifyAny(der []byte, gens []Generation, signer abi.ReportSigner) (*endorsementKey, Generation, error) {
	var errs []error
	for _, g := range gens {
		ek, err := v.verified(der, g, signer)
		if err == nil {
			return ek, g, nil
		}
		errs = append(errs, err)
	}
	return nil, 0, errors.Join(errs...)
}

// verified returns der as a verified endorsement key of generation g,
// verifying it only once however many requests present it concurrently.
func (v *Verifier) verified(der []byte, g Generation, signer abi.ReportSigner) (*endorsementKey, error) {
	id := endorsementKeyID{digest: sha256.Sum256(der), generation: g, signer: signer}
	now := v.now()
	if ek, ok := v.keys.get(id); ok {
		if now.Before(ek.notBefore) || now.After(ek.notAfter) {
			return nil, fmt.Errorf("%w: certificate chain not valid at %v", ErrUntrustedEndorsementKey, now)
		}
		return ek, nil
	}
	key := fmt.Sprintf("%x/%d/%d", id.digest, g, signer)
	res, err, _ := v.flight.Do(key, func() (any, error) {
		ek, err := v.verifyEndorsementKey(der, g, signer, now)
		if err != nil {
			return nil, err
		}
		v.keys.put(id, ek)
		return ek, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*endorsementKey), nil
}

func (v *Verifier) verifyEndorsementKey(der []byte, g Generation, signer abi.ReportSigner, now time.Time) (*endorsementKey, error) {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEndorsementKeyFormat, err)
	}
	ext, err := parseEndorsementExtensions(cert)
	if err != nil {
		return nil, err
	}
	notBefore, notAfter, err := v.roots.verifyChain(cert, g, signer, now)
	if err != nil {
		return nil, err
	}
	return &endorsementKey{cert: cert, ext: ext, notBefore: notBefore, notAfter: notAfter}, nil
}
