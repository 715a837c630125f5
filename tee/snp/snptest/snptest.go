// Package snptest is a fake AMD platform for tests: go-sev-guest's test
// signer (real RSA and ECDSA keys under a fake ARK) issues VCEK and VLEK
// certificates for a chosen chip id and TCB, and signs reports with them.
// Reports it signs verify with its Roots and with nothing else.
package snptest

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/client"
	labi "github.com/google/go-sev-guest/client/linuxabi"
	"github.com/google/go-sev-guest/kds"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
	sevtest "github.com/google/go-sev-guest/testing"
	"github.com/google/go-sev-guest/verify/trust"

	"github.com/cocoon-cc/cocoon/tee/snp"
)

// Epoch is when the fake certificates were issued; verify at Now.
var (
	Epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	Now   = Epoch.Add(30 * 24 * time.Hour)
)

// Platform is one fake chip of a generation, with its certificates.
type Platform struct {
	Generation snp.Generation
	ChipID     [snp.ChipIDSize]byte
	TCB        snp.TcbVersion
	Signer     *sevtest.AmdSigner
	Roots      *snp.Roots
}

// productNames are go-sev-guest's product names for its fake certificates.
var productNames = map[snp.Generation]string{snp.Milan: "Milan-B1", snp.Genoa: "Genoa-B1", snp.Turin: "Turin-B0"}

// DefaultTCB is the TCB of NewPlatform's chip; FMC is dropped before Turin.
func DefaultTCB(g snp.Generation) snp.TcbVersion {
	t := snp.TcbVersion{Bootloader: 4, TEE: 0, SNP: 22, Microcode: 213}
	if g == snp.Turin {
		fmc := uint8(1)
		t.FMC = &fmc
	}
	return t
}

// NewPlatform returns a chip of generation g with the given chip id
// (Turin's uses its first 8 bytes only) and TCB.
func NewPlatform(t testing.TB, g snp.Generation, chipID [snp.ChipIDSize]byte, tcb snp.TcbVersion) *Platform {
	t.Helper()
	b := &sevtest.AmdSignerBuilder{
		Keys:             sevtest.DefaultAmdKeys(),
		ProductName:      productNames[g],
		CSPID:            "cocoon-test",
		ArkCreationTime:  Epoch,
		AskCreationTime:  Epoch,
		AsvkCreationTime: Epoch,
		VcekCreationTime: Epoch,
		VlekCreationTime: Epoch,
		VcekCustom:       sevtest.CertOverride{Extensions: extensions(tcb, chipID[:], "", productNames[g])},
		VlekCustom:       sevtest.CertOverride{Extensions: extensions(tcb, nil, "cocoon-test", productNames[g])},
	}
	signer, err := b.TestOnlyCertChain()
	if err != nil {
		t.Fatalf("snptest: fake AMD signer: %v", err)
	}
	roots, err := snp.NewRoots(map[snp.Generation]*trust.ProductCerts{
		g: {Ark: signer.Ark, Ask: signer.Ask, Asvk: signer.Asvk},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &Platform{Generation: g, ChipID: chipID, TCB: tcb, Signer: signer, Roots: roots}
}

// extensions are KDS certificate extensions, with Turin's FMC version,
// which go-sev-guest's fake does not write.
func extensions(tcb snp.TcbVersion, hwid []byte, cspID, product string) []pkix.Extension {
	exts := sevtest.CustomExtensions(kds.TCBParts{
		BlSpl: tcb.Bootloader, TeeSpl: tcb.TEE, SnpSpl: tcb.SNP, UcodeSpl: tcb.Microcode,
	}, hwid, cspID, product)
	if tcb.FMC != nil {
		v, _ := asn1.Marshal(int(*tcb.FMC))
		exts = append(exts, pkix.Extension{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 3704, 1, 3, 9}, Value: v})
	}
	return exts
}

// ChipID returns a chip id from a seed byte; on Turin only the first 8
// bytes are set, as hardware does.
func ChipID(g snp.Generation, seed byte) [snp.ChipIDSize]byte {
	var id [snp.ChipIDSize]byte
	n := len(id)
	if g == snp.Turin {
		n = 8
	}
	for i := range n {
		id[i] = seed + byte(i)
	}
	return id
}

// cpuid is a family, model and stepping of each generation.
var cpuid = map[snp.Generation][3]uint8{snp.Milan: {0x19, 0x01, 1}, snp.Genoa: {0x19, 0x11, 1}, snp.Turin: {0x1A, 0x02, 0}}

// Report returns an unsigned report of this chip, at VMPL 0, signed by
// the VCEK, with the given version and report data, a launch policy
// without debugging, and the platform's TCB everywhere.
func (p *Platform) Report(version uint32, reportData []byte) *snp.AttestationReport {
	sized := func(n int, fill byte) snp.Bytes {
		b := make(snp.Bytes, n)
		for i := range b {
			b[i] = fill
		}
		return b
	}
	r := &snp.AttestationReport{
		Version:         version,
		Policy:          0x30000, // SMT allowed, reserved bit 17
		FamilyID:        sized(16, 0),
		ImageID:         sized(16, 0),
		SigAlgo:         abi.SignEcdsaP384Sha384,
		CurrentTCB:      p.TCB,
		PlatInfo:        0x25,
		ReportData:      snp.Regularize(reportData, snp.ReportDataSize),
		Measurement:     sized(snp.MeasurementSize, 0x6a),
		HostData:        sized(snp.HostDataSize, 0),
		IDKeyDigest:     sized(48, 0),
		AuthorKeyDigest: sized(48, 0),
		ReportID:        sized(32, 0xb3),
		ReportIDMA:      sized(32, 0xff),
		ReportedTCB:     p.TCB,
		ChipID:          snp.Bytes(p.ChipID[:]),
		CommittedTCB:    p.TCB,
		Current:         snp.Version{Major: 1, Minor: 55, Build: 40},
		Committed:       snp.Version{Major: 1, Minor: 55, Build: 40},
		LaunchTCB:       p.TCB,
		Signature:       snp.Signature{R: sized(72, 0), S: sized(72, 0)},
	}
	if version >= 3 {
		c := cpuid[p.Generation]
		r.CPUIDFamID, r.CPUIDModID, r.CPUIDStep = &c[0], &c[1], &c[2]
	}
	if version >= 5 {
		launch, current := uint64(1), uint64(3)
		r.LaunchMitVector, r.CurrentMitVector = &launch, &current
	}
	return r
}

// Sign signs r in place with the key its key_info names (VCEK or VLEK).
func (p *Platform) Sign(t testing.TB, r *snp.AttestationReport) {
	t.Helper()
	raw, err := r.MarshalBinary()
	if err != nil {
		t.Fatalf("snptest: encode report: %v", err)
	}
	signed, err := p.signRaw(raw)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := snp.ParseReport(signed)
	if err != nil {
		t.Fatalf("snptest: decode signed report: %v", err)
	}
	r.Signature = parsed.Signature
}

func (p *Platform) signRaw(raw []byte) ([]byte, error) {
	info, err := abi.ParseSignerInfo(binaryKeyInfo(raw))
	if err != nil {
		return nil, err
	}
	key := p.Signer.Keys.Vcek
	if info.SigningKey == abi.VlekReportSigner {
		key = p.Signer.Keys.Vlek
	}
	digest := sha512.Sum384(abi.SignedComponent(raw))
	rr, ss, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		return nil, err
	}
	if err := abi.SetSignature(rr, ss, raw); err != nil {
		return nil, err
	}
	return raw, nil
}

func binaryKeyInfo(raw []byte) uint32 {
	v, _ := abi.ReportSignerInfo(raw)
	return v
}

// Chain returns the certificate chain a host provides: VCEK, VLEK, ASK
// and ARK.
func (p *Platform) Chain() []snp.CertTableEntry {
	entry := func(name string, der []byte) snp.CertTableEntry {
		return snp.CertTableEntry{CertType: snp.CertType{Name: name}, Data: der}
	}
	return []snp.CertTableEntry{
		entry(snp.CertVCEK, p.Signer.Vcek.Raw), entry(snp.CertVLEK, p.Signer.Vlek.Raw),
		entry(snp.CertASK, p.Signer.Ask.Raw), entry(snp.CertARK, p.Signer.Ark.Raw),
	}
}

// Evidence signs r and returns it as evidence JSON with chain (nil means
// "cert_chain": null).
func (p *Platform) Evidence(t testing.TB, r *snp.AttestationReport, chain []snp.CertTableEntry) []byte {
	t.Helper()
	p.Sign(t, r)
	b, err := json.Marshal(snp.Evidence{AttestationReport: *r, CertChain: chain})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// QuoteProvider returns go-sev-guest's fake configfs-tsm provider, which
// answers each report data of reports (keyed by their REPORT_DATA) with
// that report signed by this platform, and its certificate table.
func (p *Platform) QuoteProvider(t testing.TB, reports ...*snp.AttestationReport) *sevtest.QuoteProvider {
	t.Helper()
	responses := make(map[string]any, len(reports))
	for _, r := range reports {
		raw, err := r.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var resp labi.SnpReportRespABI
		copy(resp.Data[:], raw)
		responses[hex.EncodeToString(r.ReportData)] = &sevtest.GetReportResponse{Resp: resp}
	}
	certs, err := p.Signer.CertTableBytes()
	if err != nil {
		t.Fatal(err)
	}
	product, err := kds.ParseProductName(productNames[p.Generation], abi.VcekReportSigner)
	if err != nil {
		t.Fatal(err)
	}
	return &sevtest.QuoteProvider{Device: &sevtest.Device{
		ReportDataRsp: responses, Certs: certs, Signer: p.Signer, SevProduct: product,
	}}
}

// Quotes returns a report provider that answers any report data with
// template carrying that report data, signed by this platform, followed by
// the host's certificate table; unlike go-sev-guest's fake device it needs
// no list of report data in advance, and is safe for concurrent use.
func (p *Platform) Quotes(t testing.TB, template *snp.AttestationReport) client.QuoteProvider {
	t.Helper()
	certs, err := p.Signer.CertTableBytes()
	if err != nil {
		t.Fatal(err)
	}
	return &quoteProvider{p: p, template: *template, certs: certs}
}

type quoteProvider struct {
	p        *Platform
	template snp.AttestationReport
	certs    []byte
}

func (q *quoteProvider) IsSupported() bool { return true }

func (q *quoteProvider) GetRawQuote(reportData [snp.ReportDataSize]byte) ([]byte, error) {
	r := q.template
	r.ReportData = reportData[:]
	raw, err := r.MarshalBinary()
	if err != nil {
		return nil, err
	}
	signed, err := q.p.signRaw(raw)
	if err != nil {
		return nil, err
	}
	return append(signed, q.certs...), nil
}

func (q *quoteProvider) Product() *spb.SevProduct {
	product, _ := kds.ParseProductName(productNames[q.p.Generation], abi.VcekReportSigner)
	return product
}
