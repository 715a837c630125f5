// Package tdx is the Intel TDX TEE: evidence as upstream's attester sends
// it, TD quote parsing (v4 and v5), verification of the quote's signature
// chain to the Intel SGX root, TCB status from Intel PCS collateral,
// bindings of REPORT_DATA and MRCONFIGID, the CC event log replay against
// the RTMRs, Trustee's claims, and the guest-side attester.
//
// Parsing, verification, validation and trust roots are kept apart:
// quote.go parses, verify.go checks signatures, tcb.go and validate.go
// judge the verified values, and roots come from the caller.
package tdx

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cocoon-cc/cocoon/internal/binread"
)

// ErrMalformedQuote means the bytes are not a TD quote this parser accepts.
var ErrMalformedQuote = errors.New("tdx: malformed quote")

// Quote versions, TEE type and attestation key type of a TD quote.
const (
	QuoteV4         = 4
	QuoteV5         = 5
	TeeTypeTDX      = 0x81
	AttKeyECDSAP256 = 2
)

// V5 body types: TDX 1.0 and TDX 1.5 report bodies.
const (
	BodyTypeTDX10 = 2
	BodyTypeTDX15 = 3
)

// Sizes from Intel's TDX DCAP quote layout.
const (
	headerSize      = 48
	bodySizeTDX10   = 584
	bodySizeTDX15   = 648
	v5BodyInfoSize  = 6
	ecdsaSize       = 64
	qeReportSize    = 384
	certTypeQEData  = 6
	certTypePCKPEM  = 5
	reportDataSize  = 64
	measurementSize = 48
)

// Header is the 48-byte quote header.
type Header struct {
	Version    uint16
	AttKeyType uint16
	TeeType    uint32
	Reserved   [4]byte
	VendorID   [16]byte
	UserData   [20]byte
}

// Body is the TD report body; TeeTCBSVN2 and MRServiceTD are set only in
// TDX 1.5 bodies of v5 quotes.
type Body struct {
	TeeTCBSVN      [16]byte
	MRSeam         [measurementSize]byte
	MRSignerSeam   [measurementSize]byte
	SeamAttributes [8]byte
	TDAttributes   [8]byte
	XFAM           [8]byte
	MRTD           [measurementSize]byte
	MRConfigID     [measurementSize]byte
	MROwner        [measurementSize]byte
	MROwnerConfig  [measurementSize]byte
	RTMRs          [4][measurementSize]byte
	ReportData     [reportDataSize]byte
	TeeTCBSVN2     []byte
	MRServiceTD    []byte
}

// QEReport is the quoting enclave's SGX report, which the PCK key signs.
type QEReport struct {
	Raw        []byte
	CPUSVN     [16]byte
	MiscSelect uint32
	Attributes [16]byte
	MREnclave  [32]byte
	MRSigner   [32]byte
	IsvProdID  uint16
	IsvSVN     uint16
	ReportData [reportDataSize]byte
}

// Quote is a parsed TD quote.
type Quote struct {
	Header Header
	// BodyType and BodySize are the v5 body descriptor (zero in v4).
	BodyType uint16
	BodySize uint32
	Body     Body
	// Signed is the part of the quote the attestation key signs.
	Signed            []byte
	Signature         [ecdsaSize]byte
	AttestationKey    [ecdsaSize]byte
	QEReport          QEReport
	QEReportSignature [ecdsaSize]byte
	QEAuthData        []byte
	// PCKChain is the PEM chain: PCK leaf, PCK CA, root.
	PCKChain []byte
}

// ParseQuote parses a v4 or v5 TD quote with an ECDSA P-256 attestation
// key and a PCK certificate chain. Bytes after the signature data are
// ignored, as Intel's library does.
func ParseQuote(b []byte) (*Quote, error) {
	r := binread.New(b, ErrMalformedQuote)
	q := &Quote{}
	if err := q.parseHeader(r); err != nil {
		return nil, err
	}
	bodySize := bodySizeTDX10
	if q.Header.Version == QuoteV5 {
		var err error
		if q.BodyType, err = r.U16("v5 body type"); err != nil {
			return nil, err
		}
		if q.BodySize, err = r.U32("v5 body size"); err != nil {
			return nil, err
		}
		switch {
		case q.BodyType == BodyTypeTDX10 && q.BodySize == bodySizeTDX10:
		case q.BodyType == BodyTypeTDX15 && q.BodySize == bodySizeTDX15:
			bodySize = bodySizeTDX15
		default:
			return nil, fmt.Errorf("%w: v5 body type %d of size %d", ErrMalformedQuote, q.BodyType, q.BodySize)
		}
	}
	body, err := r.Bytes(bodySize, "report body")
	if err != nil {
		return nil, err
	}
	q.Body = parseBody(body)
	q.Signed = b[:r.Offset():r.Offset()]
	if err := q.parseSignedData(r); err != nil {
		return nil, err
	}
	return q, nil
}

func (q *Quote) parseHeader(r *binread.Reader) error {
	h, err := r.Bytes(headerSize, "header")
	if err != nil {
		return err
	}
	q.Header = Header{
		Version:    binary.LittleEndian.Uint16(h[0:2]),
		AttKeyType: binary.LittleEndian.Uint16(h[2:4]),
		TeeType:    binary.LittleEndian.Uint32(h[4:8]),
	}
	copy(q.Header.Reserved[:], h[8:12])
	copy(q.Header.VendorID[:], h[12:28])
	copy(q.Header.UserData[:], h[28:48])
	switch {
	case q.Header.Version != QuoteV4 && q.Header.Version != QuoteV5:
		return fmt.Errorf("%w: version %d, want a TD quote (4 or 5)", ErrMalformedQuote, q.Header.Version)
	case q.Header.TeeType != TeeTypeTDX:
		return fmt.Errorf("%w: TEE type 0x%x is not TDX", ErrMalformedQuote, q.Header.TeeType)
	case q.Header.AttKeyType != AttKeyECDSAP256:
		return fmt.Errorf("%w: attestation key type %d is not ECDSA P-256", ErrMalformedQuote, q.Header.AttKeyType)
	}
	return nil
}

func parseBody(b []byte) Body {
	var body Body
	off := 0
	for _, dst := range body.fields() {
		off += copy(dst, b[off:])
	}
	if len(b) == bodySizeTDX15 {
		body.TeeTCBSVN2 = append([]byte(nil), b[off:off+16]...)
		body.MRServiceTD = append([]byte(nil), b[off+16:off+16+measurementSize]...)
	}
	return body
}

// fields are the fixed-size fields of a body in quote order.
func (b *Body) fields() [][]byte {
	return [][]byte{
		b.TeeTCBSVN[:], b.MRSeam[:], b.MRSignerSeam[:], b.SeamAttributes[:],
		b.TDAttributes[:], b.XFAM[:], b.MRTD[:], b.MRConfigID[:],
		b.MROwner[:], b.MROwnerConfig[:], b.RTMRs[0][:], b.RTMRs[1][:],
		b.RTMRs[2][:], b.RTMRs[3][:], b.ReportData[:],
	}
}

// parseSignedData reads the ECDSA quote signature data: signature,
// attestation key, then certification data of type 6 holding the QE
// report, its signature, the QE auth data and the PCK chain (type 5).
func (q *Quote) parseSignedData(r *binread.Reader) error {
	size, err := r.U32("signature data size")
	if err != nil {
		return err
	}
	sd, err := r.Bytes(int(size), "signature data")
	if err != nil {
		return err
	}
	s := binread.New(sd, ErrMalformedQuote)
	if err := s.Copy(q.Signature[:], "quote signature"); err != nil {
		return err
	}
	if err := s.Copy(q.AttestationKey[:], "attestation key"); err != nil {
		return err
	}
	qeData, err := certificationData(s, certTypeQEData, "QE report certification data")
	if err != nil {
		return err
	}
	c := binread.New(qeData, ErrMalformedQuote)
	report, err := c.Bytes(qeReportSize, "QE report")
	if err != nil {
		return err
	}
	q.QEReport = parseQEReport(report)
	if err := c.Copy(q.QEReportSignature[:], "QE report signature"); err != nil {
		return err
	}
	authSize, err := c.U16("QE auth data size")
	if err != nil {
		return err
	}
	if q.QEAuthData, err = c.Bytes(int(authSize), "QE auth data"); err != nil {
		return err
	}
	q.PCKChain, err = certificationData(c, certTypePCKPEM, "PCK certificate chain")
	return err
}

func parseQEReport(b []byte) QEReport {
	rep := QEReport{Raw: b}
	copy(rep.CPUSVN[:], b[0:16])
	rep.MiscSelect = binary.LittleEndian.Uint32(b[16:20])
	copy(rep.Attributes[:], b[48:64])
	copy(rep.MREnclave[:], b[64:96])
	copy(rep.MRSigner[:], b[128:160])
	rep.IsvProdID = binary.LittleEndian.Uint16(b[256:258])
	rep.IsvSVN = binary.LittleEndian.Uint16(b[258:260])
	copy(rep.ReportData[:], b[320:384])
	return rep
}

// Marshal encodes the body in quote layout: 584 bytes, or 648 with the
// TDX 1.5 fields.
func (b *Body) Marshal() []byte {
	out := make([]byte, 0, bodySizeTDX15)
	for _, f := range b.fields() {
		out = append(out, f...)
	}
	if b.TeeTCBSVN2 != nil {
		out = append(out, Regularize(b.TeeTCBSVN2, 16)...)
		out = append(out, Regularize(b.MRServiceTD, measurementSize)...)
	}
	return out
}

// certificationData reads a {type u16, size u32, data} block of the given type.
func certificationData(r *binread.Reader, want uint16, field string) ([]byte, error) {
	typ, err := r.U16(field + " type")
	if err != nil {
		return nil, err
	}
	if typ != want {
		return nil, fmt.Errorf("%w: %s has type %d, want %d", ErrMalformedQuote, field, typ, want)
	}
	size, err := r.U32(field + " size")
	if err != nil {
		return nil, err
	}
	return r.Bytes(int(size), field)
}
