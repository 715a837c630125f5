package tdxtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"fmt"

	"github.com/cocoon-cc/cocoon/tee/tdx"
)

// IntelVendorID is the QE vendor id of Intel's quoting enclave.
var IntelVendorID = [16]byte{0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07}

// QE identity of the fake quoting enclave.
var (
	QEMRSigner = [32]byte{0xdc, 0x9e, 0x2a, 0x7c}
	QEProdID   = uint16(2)
	QESVN      = uint16(4)
	// QEAttributes satisfy Intel's TD QE attributes mask.
	QEAttributes = [16]byte{0x11}
)

// Platform is a fake TDX platform with its own Intel-shaped PKI.
type Platform struct {
	root, pckCA, pck, tcbSigning *keyPair
	attestationKey               *ecdsa.PrivateKey
}

// NewPlatform creates a platform with fresh keys.
func NewPlatform() (*Platform, error) {
	root, err := newKeyPair(tdx.RootCACommonName, nil, true, 1, nil)
	if err != nil {
		return nil, err
	}
	ca, err := newKeyPair(tdx.PlatformCACommonName, root, true, 2, nil)
	if err != nil {
		return nil, err
	}
	pck, err := newKeyPair(tdx.PCKCommonName, ca, false, 3, []pkix.Extension{sgxExtension()})
	if err != nil {
		return nil, err
	}
	signing, err := newKeyPair(tdx.TCBSigningCommonName, root, false, 4, nil)
	if err != nil {
		return nil, err
	}
	ak, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Platform{root: root, pckCA: ca, pck: pck, tcbSigning: signing, attestationKey: ak}, nil
}

// Roots is a pool holding the platform's fake SGX root CA.
func (p *Platform) Roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.root.cert)
	return pool
}

// DefaultBody is a TDX 1.0 body this platform's collateral rates UpToDate:
// TDX module 1 of SVN 5, MRSIGNERSEAM zero, no debug.
func DefaultBody() tdx.Body {
	var b tdx.Body
	b.TeeTCBSVN = [16]byte{5, 1, 2}
	b.XFAM = [8]byte{0xe7, 0x42, 0x06}
	b.TDAttributes = [8]byte{0, 0, 0, 0x10} // SEPT_VE_DISABLE
	for i := range b.MRTD {
		b.MRTD[i] = byte(i)
	}
	return b
}

// Quote returns a TD quote of the given version (4 or 5) for body, signed
// by the platform's attestation key and vouched for by its PCK. A v5 quote
// has a TDX 1.5 body when body.TeeTCBSVN2 is set.
func (p *Platform) Quote(version uint16, body tdx.Body) ([]byte, error) {
	q := binary.LittleEndian.AppendUint16(nil, version)
	q = binary.LittleEndian.AppendUint16(q, tdx.AttKeyECDSAP256)
	q = binary.LittleEndian.AppendUint32(q, tdx.TeeTypeTDX)
	q = append(q, 0, 0, 0, 0)
	q = append(q, IntelVendorID[:]...)
	q = append(q, make([]byte, 20)...)
	raw := body.Marshal()
	switch version {
	case tdx.QuoteV4:
		if body.TeeTCBSVN2 != nil {
			return nil, fmt.Errorf("tdxtest: a v4 quote has no TDX 1.5 body")
		}
	case tdx.QuoteV5:
		bodyType := uint16(tdx.BodyTypeTDX10)
		if body.TeeTCBSVN2 != nil {
			bodyType = tdx.BodyTypeTDX15
		}
		q = binary.LittleEndian.AppendUint16(q, bodyType)
		q = binary.LittleEndian.AppendUint32(q, uint32(len(raw)))
	default:
		return nil, fmt.Errorf("tdxtest: quote version %d", version)
	}
	q = append(q, raw...)
	sig, err := sign(p.attestationKey, q)
	if err != nil {
		return nil, err
	}
	signed, err := p.signatureData(sig)
	if err != nil {
		return nil, err
	}
	q = binary.LittleEndian.AppendUint32(q, uint32(len(signed)))
	return append(q, signed...), nil
}

func (p *Platform) signatureData(quoteSig []byte) ([]byte, error) {
	uncompressed, err := p.attestationKey.PublicKey.Bytes()
	if err != nil {
		return nil, err
	}
	akBytes := uncompressed[1:] // the quote carries X || Y, without the 0x04 prefix
	authData := []byte("cocoon fake QE auth data........")
	report := make([]byte, 384)
	copy(report[48:64], QEAttributes[:])
	copy(report[128:160], QEMRSigner[:])
	binary.LittleEndian.PutUint16(report[256:258], QEProdID)
	binary.LittleEndian.PutUint16(report[258:260], QESVN)
	binding := sha256.Sum256(append(append([]byte{}, akBytes...), authData...))
	copy(report[320:352], binding[:])
	reportSig, err := sign(p.pck.key, report)
	if err != nil {
		return nil, err
	}
	chain := p.PCKChainPEM()
	qe := append(append([]byte{}, report...), reportSig...)
	qe = binary.LittleEndian.AppendUint16(qe, uint16(len(authData)))
	qe = append(qe, authData...)
	qe = binary.LittleEndian.AppendUint16(qe, 5)
	qe = binary.LittleEndian.AppendUint32(qe, uint32(len(chain)))
	qe = append(qe, chain...)

	out := append(append([]byte{}, quoteSig...), akBytes...)
	out = binary.LittleEndian.AppendUint16(out, 6)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(qe)))
	return append(out, qe...), nil
}

// PCKChainPEM is the chain a quote carries: PCK, PCK CA, root.
func (p *Platform) PCKChainPEM() []byte {
	var out []byte
	for _, c := range []*keyPair{p.pck, p.pckCA, p.root} {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw})...)
	}
	return out
}

// sign returns the raw r||s ECDSA-SHA256 signature Intel's formats use.
func sign(key *ecdsa.PrivateKey, msg []byte) ([]byte, error) {
	digest := sha256.Sum256(msg)
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		return nil, err
	}
	return append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...), nil
}

// hexUpper is how PCS spells identifiers.
func hexUpper(b []byte) string { return fmt.Sprintf("%X", b) }
