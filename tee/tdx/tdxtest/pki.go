// Package tdxtest is a fake Intel TDX platform for tests: its own SGX root
// CA, PCK CA, PCK certificate and TCB signing key, which sign real TD
// quotes and real PCS collateral. A verifier given Roots accepts them; one
// given Intel's root refuses them. go-tdx-guest v0.3.1 ships no such
// signing fake, only canned quotes.
package tdxtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
)

// validity of every fake certificate: wide and fixed, so tests may pin any
// clock in between.
var (
	notBefore = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter  = time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Facts of the fake platform, as its PCK certificate states them.
var (
	FMSPC              = [6]byte{0x00, 0xA0, 0x6F, 0x00, 0x00, 0x00}
	PCEID              = [2]byte{0, 0}
	PPID               = [16]byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00}
	PlatformInstanceID = [16]byte{0x02, 0x1a, 0xc6, 0x4d, 0x35, 0x5b, 0x95, 0xa4, 0x04, 0xe2, 0xd5, 0x94, 0x8d, 0x22, 0x8d, 0x54}
	CPUSVN             = [16]byte{2, 2, 2, 2, 4, 1, 0, 2}
	PCESVN             = uint16(13)
)

type keyPair struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newKeyPair(cn string, parent *keyPair, isCA bool, serial int64, extra []pkix.Extension) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"Intel Corporation"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
		IsCA:                  isCA,
		SubjectKeyId:          big.NewInt(serial).Bytes(),
		CRLDistributionPoints: []string{"https://certificates.example/IntelSGXRootCA.der"},
		ExtraExtensions:       extra,
	}
	if isCA {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	signer, signerCert := key, tmpl
	if parent != nil {
		signer, signerCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, &key.PublicKey, signer)
	if err != nil {
		return nil, fmt.Errorf("tdxtest: certificate %q: %w", cn, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &keyPair{cert: cert, key: key}, nil
}

// SGX extension OIDs of the PCK certificate profile.
var (
	oidSGX = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1}
	oidIn  = func(arc ...int) asn1.ObjectIdentifier {
		return append(append(asn1.ObjectIdentifier{}, oidSGX...), arc...)
	}
	oidFalse = false
)

func der(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err) // only fixed shapes are marshalled
	}
	return b
}

func sequence(elems ...[]byte) []byte {
	var body []byte
	for _, e := range elems {
		body = append(body, e...)
	}
	return der(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: body})
}

func pair(oid asn1.ObjectIdentifier, value any) []byte {
	return sequence(der(oid), der(value))
}

// sgxExtension is the PCK's SGX extension of a Platform CA certificate.
func sgxExtension() pkix.Extension {
	var tcb [][]byte
	for i, svn := range CPUSVN {
		tcb = append(tcb, pair(oidIn(2, i+1), int(svn)))
	}
	tcb = append(tcb, pair(oidIn(2, 17), int(PCESVN)), pair(oidIn(2, 18), CPUSVN[:]))
	value := sequence(
		pair(oidIn(1), PPID[:]),
		sequence(der(oidIn(2)), sequence(tcb...)),
		pair(oidIn(3), PCEID[:]),
		pair(oidIn(4), FMSPC[:]),
		pair(oidIn(5), asn1.Enumerated(1)),
		pair(oidIn(6), PlatformInstanceID[:]),
		sequence(der(oidIn(7)), sequence(pair(oidIn(7, 1), oidFalse), pair(oidIn(7, 2), true), pair(oidIn(7, 3), true))),
	)
	return pkix.Extension{Id: oidSGX, Value: value}
}
