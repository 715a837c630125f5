package snp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
)

// AMD's x509v3 extensions of VCEK and VLEK certificates (KDS specification).
var (
	oidBootloaderSPL = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 3704, 1, 3, 1}
	oidTEESPL        = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 3704, 1, 3, 2}
	oidSNPSPL        = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 3704, 1, 3, 3}
	oidMicrocodeSPL  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 3704, 1, 3, 8}
	oidFMCSPL        = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 3704, 1, 3, 9}
	oidHWID          = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 3704, 1, 4}
)

// endorsementExtensions is what a VCEK or VLEK certifies about the chip.
type endorsementExtensions struct {
	tcb TcbVersion
	// hwid is the chip id a VCEK is bound to; VLEKs have none.
	hwid []byte
}

// ErrEndorsementKeyFormat means a VCEK or VLEK lacks what AMD's KDS puts in it.
var ErrEndorsementKeyFormat = errors.New("snp: malformed endorsement key certificate")

// parseEndorsementExtensions reads the TCB and hardware id extensions. This
// is done here rather than with go-sev-guest's kds package because that one
// (v0.15) refuses the FMC extension of Turin certificates. Like upstream,
// it accepts the hardware id both raw (older certificates) and as a DER
// OCTET STRING.
func parseEndorsementExtensions(cert *x509.Certificate) (endorsementExtensions, error) {
	var ext endorsementExtensions
	if pub, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P384() {
		return ext, fmt.Errorf("%w: the key is not ECDSA P-384", ErrEndorsementKeyFormat)
	}
	seen := make(map[string]bool)
	for _, e := range cert.Extensions {
		var err error
		switch {
		case e.Id.Equal(oidBootloaderSPL):
			ext.tcb.Bootloader, err = splValue(e.Value)
		case e.Id.Equal(oidTEESPL):
			ext.tcb.TEE, err = splValue(e.Value)
		case e.Id.Equal(oidSNPSPL):
			ext.tcb.SNP, err = splValue(e.Value)
		case e.Id.Equal(oidMicrocodeSPL):
			ext.tcb.Microcode, err = splValue(e.Value)
		case e.Id.Equal(oidFMCSPL):
			var fmc uint8
			fmc, err = splValue(e.Value)
			ext.tcb.FMC = &fmc
		case e.Id.Equal(oidHWID):
			ext.hwid, err = hwidValue(e.Value)
		default:
			continue
		}
		if err != nil {
			return ext, fmt.Errorf("%w: extension %v: %w", ErrEndorsementKeyFormat, e.Id, err)
		}
		if seen[e.Id.String()] {
			return ext, fmt.Errorf("%w: extension %v twice", ErrEndorsementKeyFormat, e.Id)
		}
		seen[e.Id.String()] = true
	}
	for _, oid := range []asn1.ObjectIdentifier{oidBootloaderSPL, oidTEESPL, oidSNPSPL, oidMicrocodeSPL} {
		if !seen[oid.String()] {
			return ext, fmt.Errorf("%w: no extension %v", ErrEndorsementKeyFormat, oid)
		}
	}
	return ext, nil
}

// splValue decodes a security patch level: a DER INTEGER from 0 to 255.
func splValue(der []byte) (uint8, error) {
	var v int
	rest, err := asn1.Unmarshal(der, &v)
	if err != nil || len(rest) != 0 || v < 0 || v > 255 {
		return 0, errors.New("not an INTEGER from 0 to 255")
	}
	return uint8(v), nil
}

func hwidValue(der []byte) ([]byte, error) {
	if len(der) == ChipIDSize {
		return der, nil
	}
	var octets []byte
	rest, err := asn1.Unmarshal(der, &octets)
	if err != nil || len(rest) != 0 || len(octets) != ChipIDSize {
		return nil, fmt.Errorf("not %d bytes, raw or as an OCTET STRING", ChipIDSize)
	}
	return octets, nil
}
