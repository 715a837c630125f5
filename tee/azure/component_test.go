package azure

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/tdx"
	"github.com/cocoon-cc/cocoon/tee/tpm"
)

// Component tests after upstream's az_snp_vtpm and az_tdx_vtpm unit
// tests, on their vectors: one binding at a time.

const (
	snpDir = "trustee/verifier/az-snp-vtpm/"
	tdxDir = "trustee/verifier/az-tdx-vtpm/"
)

var challenge = []byte("challenge")

func hclReport(t *testing.T, raw []byte) *HCLReport {
	t.Helper()
	h, err := ParseHCLReport(raw)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// tpmQuoteV1 reads tpm-quote-v1.json, the quote made beside hcl-report.bin.
func tpmQuoteV1(t *testing.T, dir string) TPMQuote {
	t.Helper()
	raw := json.RawMessage(upstream.Read(t, dir+"tpm-quote-v1.json"))
	q, err := parseQuote(map[string]json.RawMessage{"tpm_quote": raw}, "tpm_quote", hexBytes)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// bincodeQuote decodes quote.bin, az-cvm-vtpm's Quote in bincode: two
// u64-length-prefixed byte vectors and a vector of 32-byte PCRs.
func bincodeQuote(t *testing.T, b []byte) TPMQuote {
	t.Helper()
	next := func(n uint64) []byte {
		if uint64(len(b)) < n {
			t.Fatal("quote.bin truncated")
		}
		v := b[:n]
		b = b[n:]
		return v
	}
	length := func() uint64 { return binary.LittleEndian.Uint64(next(8)) }
	var q TPMQuote
	q.Signature = next(length())
	q.Message = next(length())
	for range length() {
		q.PCRs = append(q.PCRs, next(sha256.Size))
	}
	return q
}

func akOf(t *testing.T, h *HCLReport) *rsa.PublicKey {
	t.Helper()
	ak, err := h.AKPublic()
	if err != nil {
		t.Fatal(err)
	}
	return ak
}

func TestQuotesVerifyWithTheHCLAK(t *testing.T) {
	for _, dir := range []string{snpDir, tdxDir} {
		h := hclReport(t, upstream.Read(t, dir+"hcl-report.bin"))
		ak := akOf(t, h)
		for name, q := range map[string]TPMQuote{
			"tpm-quote-v1.json": tpmQuoteV1(t, dir),
			"quote.bin":         bincodeQuote(t, upstream.Read(t, dir+"quote.bin")),
		} {
			if err := q.verify(ak, challenge); err != nil {
				t.Errorf("%s%s: %v", dir, name, err)
			}
		}
	}
}

func TestQuoteRefusals(t *testing.T) {
	h := hclReport(t, upstream.Read(t, snpDir+"hcl-report.bin"))
	ak := akOf(t, h)
	reversed := bytes.Clone(challenge)
	for i, j := 0, len(reversed)-1; i < j; i, j = i+1, j-1 {
		reversed[i], reversed[j] = reversed[j], reversed[i]
	}
	for _, c := range []struct {
		name       string
		edit       func(*TPMQuote)
		reportData []byte
		want       error
	}{
		{"signature byte flipped", func(q *TPMQuote) { q.Signature[0] ^= 1 }, challenge, tpm.ErrBadSignature},
		{"message byte flipped", func(q *TPMQuote) { q.Message[len(q.Message)-1] ^= 1 }, challenge, tpm.ErrBadSignature},
		{"PCR byte flipped", func(q *TPMQuote) { q.PCRs[0][0] ^= 1 }, challenge, tpm.ErrPCRDigestMismatch},
		{"PCR missing", func(q *TPMQuote) { q.PCRs = q.PCRs[:23] }, challenge, ErrPCRSelection},
		{"PCR too short", func(q *TPMQuote) { q.PCRs[5] = q.PCRs[5][:31] }, challenge, ErrMalformedEvidence},
		{"nonce reversed", func(*TPMQuote) {}, reversed, tpm.ErrNonceMismatch},
		{"nonce padded", func(*TPMQuote) {}, append(bytes.Clone(challenge), 0), tpm.ErrNonceMismatch},
		{"nonce prefix", func(*TPMQuote) {}, challenge[:8], tpm.ErrNonceMismatch},
	} {
		q := tpmQuoteV1(t, snpDir)
		c.edit(&q)
		if err := q.verify(ak, c.reportData); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

// tpm-quote.msg/.sig answer "challenge" but come from a vTPM whose AK is
// not in these vectors: a quote from another VM.
func TestQuoteOfAnotherVTPMRefused(t *testing.T) {
	msg := upstream.Read(t, snpDir+"tpm-quote.msg")
	attest, err := tpm.ParseAttest(msg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(attest.ExtraData, challenge) {
		t.Fatalf("nonce %q, want %q", attest.ExtraData, challenge)
	}
	q := TPMQuote{Signature: upstream.Read(t, snpDir+"tpm-quote.sig"), Message: msg, PCRs: tpmQuoteV1(t, snpDir).PCRs}
	for _, dir := range []string{snpDir, tdxDir} {
		ak := akOf(t, hclReport(t, upstream.Read(t, dir+"hcl-report.bin")))
		if err := q.verify(ak, challenge); !errors.Is(err, tpm.ErrBadSignature) {
			t.Errorf("with %s's AK: got %v, want %v", dir, err, tpm.ErrBadSignature)
		}
	}
}

func TestHCLReportLayout(t *testing.T) {
	for dir, want := range map[string]ReportType{snpDir: ReportTypeSNP, tdxDir: ReportTypeTDX} {
		h := hclReport(t, upstream.Read(t, dir+"hcl-report.bin"))
		if h.Type != want {
			t.Errorf("%s: type %v, want %v", dir, h.Type, want)
		}
		if !json.Valid(h.VarData) {
			t.Errorf("%s: var-data is not JSON", dir)
		}
		userData, err := h.UserData()
		if err != nil || len(userData) != 64 {
			t.Errorf("%s: user-data %x, %v", dir, userData, err)
		}
	}
	if _, err := hclReport(t, upstream.Read(t, tdxDir+"hcl-report.bin")).SNPReport(); !errors.Is(err, ErrReportType) {
		t.Errorf("SNP report of a TDX HCL report: got %v, want %v", err, ErrReportType)
	}
}

func TestVarDataBoundBySNPReport(t *testing.T) {
	raw := upstream.Read(t, snpDir+"hcl-report.bin")
	h := hclReport(t, raw)
	r, err := h.SNPReport()
	if err != nil {
		t.Fatal(err)
	}
	if err := checkVarData(h, r.ReportData); err != nil {
		t.Fatal(err)
	}
	// Upstream's test_verify_report_data_failure: a var-data byte (in the
	// EK's modulus, so the AK still parses) changed.
	raw = bytes.Clone(raw)
	raw[0x06e0]++
	h = hclReport(t, raw)
	if err := checkVarData(h, r.ReportData); !errors.Is(err, ErrVarDataMismatch) {
		t.Errorf("got %v, want %v", err, ErrVarDataMismatch)
	}
}

func TestVarDataBoundByTDQuote(t *testing.T) {
	raw := upstream.Read(t, tdxDir+"hcl-report.bin")
	q, err := tdx.ParseQuote(upstream.Read(t, tdxDir+"td-quote.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := checkVarData(hclReport(t, raw), q.Body.ReportData[:]); err != nil {
		t.Fatal(err)
	}
	raw = bytes.Clone(raw)
	raw[0x0880]++ // upstream's test_verify_hcl_var_data_failure
	if err := checkVarData(hclReport(t, raw), q.Body.ReportData[:]); !errors.Is(err, ErrVarDataMismatch) {
		t.Errorf("got %v, want %v", err, ErrVarDataMismatch)
	}
}

// Upstream's test_verify_akpub_failure: the var-data JSON broken.
func TestAKPublicFromBrokenVarData(t *testing.T) {
	raw := bytes.Clone(upstream.Read(t, snpDir+"hcl-report.bin"))
	raw[0x0540] = 0
	if _, err := hclReport(t, raw).AKPublic(); !errors.Is(err, ErrAKPublic) {
		t.Errorf("got %v, want %v", err, ErrAKPublic)
	}
}

func TestUserDataBinding(t *testing.T) {
	ev, err := ParseSNPEvidence(upstream.Read(t, snpDir+"evidence-v2.json"))
	if err != nil {
		t.Fatal(err)
	}
	h := hclReport(t, ev.HCLReport)
	reportData, _ := hex.DecodeString(v2ReportData)
	if err := checkUserData(h, reportData); err != nil {
		t.Fatal(err)
	}
	other, _ := hex.DecodeString("123abc") // upstream's test_verify_user_data
	if err := checkUserData(h, other); !errors.Is(err, ErrUserDataMismatch) {
		t.Errorf("got %v, want %v", err, ErrUserDataMismatch)
	}
	if err := checkUserData(h, make([]byte, 65)); !errors.Is(err, ErrUserDataMismatch) {
		t.Errorf("report data longer than user-data: got %v, want %v", err, ErrUserDataMismatch)
	}
}

// Upstream's test_verify_init_data vector: PCR 8 after extending
// 8505e4e2... from zero is bddaccb9....
func TestInitDataPCR(t *testing.T) {
	digest, _ := hex.DecodeString("8505e4e25e50a27c5dc8147af88efbece627fbea55291911eff832d9ee127781")
	pcr8, _ := hex.DecodeString("bddaccb9c52249e97a31baea61b7d91be8221a16e703d92148d04fb8e9c1dfdd")
	q := tpmQuoteV1(t, snpDir)
	q.PCRs[tpm.InitDataPCR] = pcr8
	if err := q.checkInitData(digest); err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(digest)
	flipped[0] ^= 1
	if err := q.checkInitData(flipped); !errors.Is(err, tpm.ErrInitDataMismatch) {
		t.Errorf("other digest: got %v, want %v", err, tpm.ErrInitDataMismatch)
	}
	sha384 := make([]byte, 48)
	if err := q.checkInitData(sha384); !errors.Is(err, tpm.ErrInitDataAlgorithm) {
		t.Errorf("SHA-384 digest: got %v, want %v", err, tpm.ErrInitDataAlgorithm)
	}
}
