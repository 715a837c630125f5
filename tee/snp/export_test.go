package snp

import (
	"crypto/x509"

	"github.com/google/go-sev-guest/abi"
)

// CheckEndorsementDER runs the comparison of a report with its endorsement
// key's certificate on its own, as upstream's verify_report_tcb tests do.
func CheckEndorsementDER(r *AttestationReport, g Generation, der []byte) error {
	ext, err := EndorsementExtensions(der)
	if err != nil {
		return err
	}
	info, err := abi.ParseSignerInfo(r.KeyInfo)
	if err != nil {
		return err
	}
	return checkEndorsement(r, g, info, ext)
}

// EndorsementExtensions parses a certificate's KDS extensions.
func EndorsementExtensions(der []byte) (endorsementExtensions, error) {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return endorsementExtensions{}, err
	}
	return parseEndorsementExtensions(cert)
}

// HWID returns the chip id a VCEK certifies.
func (e endorsementExtensions) HWID() []byte { return e.hwid }

// TCB returns the TCB a VCEK or VLEK certifies.
func (e endorsementExtensions) TCB() TcbVersion { return e.tcb }
