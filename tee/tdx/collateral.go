package tdx

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-tdx-guest/abi"
	"github.com/google/go-tdx-guest/pcs"
)

// ErrCollateral means collateral is missing, malformed or not signed by
// Intel's TCB signing key under a trusted root.
var ErrCollateral = errors.New("tdx: bad collateral")

// RawCollateral is Intel PCS collateral for one FMSPC as served: the JSON
// bodies of the TDX TCB info and TD QE identity endpoints, and the PEM
// issuer chain (TCB signing certificate, root) of their headers.
type RawCollateral struct {
	TCBInfo     []byte
	QEIdentity  []byte
	IssuerChain []byte
}

// CollateralSource fetches the raw collateral of a platform by FMSPC
// (upper-case hex).
type CollateralSource interface {
	RawCollateral(ctx context.Context, fmspc string) (*RawCollateral, error)
}

// Collateral is verified collateral: both documents signed by the TCB
// signing certificate, itself issued under a trusted root.
type Collateral struct {
	TCBInfo    pcs.TcbInfo
	QEIdentity pcs.EnclaveIdentity
	// Signing is the TCB signing certificate.
	Signing *x509.Certificate
}

// TCB info and QE identity versions this verifier understands.
const (
	tcbInfoID         = "TDX"
	tcbInfoVersion    = 3
	qeIdentityID      = "TD_QE"
	qeIdentityVersion = 2
)

// VerifyCollateral checks the signatures of raw collateral. The chain is
// checked at the documents' issue date: whether the collateral is still
// current is a claim (collateral_expiration_status), left to policy as
// upstream does.
func VerifyCollateral(raw *RawCollateral, roots *x509.CertPool) (*Collateral, error) {
	signing, err := verifyIssuerChain(raw.IssuerChain, roots)
	if err != nil {
		return nil, err
	}
	c := &Collateral{Signing: signing}
	var tcb pcs.TdxTcbInfo
	if err := verifySignedDocument(raw.TCBInfo, "tcbInfo", signing, &tcb); err != nil {
		return nil, err
	}
	var qe pcs.QeIdentity
	if err := verifySignedDocument(raw.QEIdentity, "enclaveIdentity", signing, &qe); err != nil {
		return nil, err
	}
	c.TCBInfo, c.QEIdentity = tcb.TcbInfo, qe.EnclaveIdentity
	switch {
	case c.TCBInfo.ID != tcbInfoID || c.TCBInfo.Version != tcbInfoVersion:
		return nil, fmt.Errorf("%w: TCB info %q version %d, want %q version %d", ErrCollateral, c.TCBInfo.ID, c.TCBInfo.Version, tcbInfoID, tcbInfoVersion)
	case c.QEIdentity.ID != qeIdentityID || c.QEIdentity.Version != qeIdentityVersion:
		return nil, fmt.Errorf("%w: QE identity %q version %d, want %q version %d", ErrCollateral, c.QEIdentity.ID, c.QEIdentity.Version, qeIdentityID, qeIdentityVersion)
	}
	for _, issued := range []time.Time{c.TCBInfo.IssueDate, c.QEIdentity.IssueDate} {
		if issued.Before(signing.NotBefore) || issued.After(signing.NotAfter) {
			return nil, fmt.Errorf("%w: issued %v outside the signing certificate's validity", ErrCollateral, issued)
		}
	}
	return c, nil
}

func verifyIssuerChain(chainPEM []byte, roots *x509.CertPool) (*x509.Certificate, error) {
	block, rest := pem.Decode(chainPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%w: issuer chain has no signing certificate", ErrCollateral)
	}
	signing, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: signing certificate: %w", ErrCollateral, err)
	}
	if signing.Subject.CommonName != TCBSigningCommonName {
		return nil, fmt.Errorf("%w: signing certificate %q", ErrCollateral, signing.Subject.CommonName)
	}
	if err := checkP256(signing); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCollateral, err)
	}
	intermediates := x509.NewCertPool()
	for block, rest = pem.Decode(rest); block != nil; block, rest = pem.Decode(rest) {
		if c, err := x509.ParseCertificate(block.Bytes); err == nil {
			intermediates.AddCert(c)
		}
	}
	_, err = signing.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: intermediates,
		// At the middle of its validity: the documents' dates are checked
		// against it by the caller, their currency is a claim.
		CurrentTime: signing.NotBefore.Add(signing.NotAfter.Sub(signing.NotBefore) / 2),
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: signing certificate not trusted: %w", ErrCollateral, err)
	}
	return signing, nil
}

// verifySignedDocument checks a PCS body {"<field>": {...}, "signature":
// "<hex r||s>"}: the signature covers the field's JSON exactly as served.
func verifySignedDocument(body []byte, field string, signing *x509.Certificate, dst any) error {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCollateral, field, err)
	}
	var sigHex string
	if err := json.Unmarshal(doc["signature"], &sigHex); err != nil {
		return fmt.Errorf("%w: %s signature missing", ErrCollateral, field)
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		return fmt.Errorf("%w: %s signature: %w", ErrCollateral, field, err)
	}
	der, err := abi.SignatureToDER(sig)
	if err != nil {
		return fmt.Errorf("%w: %s signature: %w", ErrCollateral, field, err)
	}
	signed, ok := doc[field]
	if !ok {
		return fmt.Errorf("%w: %s missing", ErrCollateral, field)
	}
	if err := signing.CheckSignature(x509.ECDSAWithSHA256, signed, der); err != nil {
		return fmt.Errorf("%w: %s signature: %w", ErrCollateral, field, err)
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCollateral, field, err)
	}
	return nil
}
