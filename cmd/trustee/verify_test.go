package main

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/swtpm"
	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	tdxverifier "github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/tdx"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
	"github.com/cocoon-cc/cocoon/tee/sample"
	"github.com/cocoon-cc/cocoon/tee/tdx"
	"github.com/cocoon-cc/cocoon/tee/tdx/tdxtest"
	"github.com/cocoon-cc/cocoon/tee/tpm"
)

// upstreamSNPReportData is what upstream's e2e SNP evidence is bound to.
const upstreamSNPReportData = "7e7320889600c7ac133aea7b896c51f41026002982292a7369559796999c1bf9" +
	"29eef3ff23c46e858f0b1982f9a92b17c51b578d958cde6b0c92978f150cf9b0"

// verify runs trustee verify and decodes the claims it prints.
func verify(t *testing.T, args ...string) (map[string]map[string]any, string, error) {
	t.Helper()
	stdout, stderr, err := run(context.Background(), append([]string{"verify"}, args...)...)
	if err != nil {
		return nil, stderr, err
	}
	var claims map[string]map[string]any
	if err := json.Unmarshal([]byte(stdout), &claims); err != nil {
		t.Fatalf("stdout is not claims JSON: %v\n%s", err, stdout)
	}
	return claims, stderr, nil
}

// refused checks that verify failed with errRefused and printed reason.
func refused(t *testing.T, stderr string, err error, reason string) {
	t.Helper()
	if !errors.Is(err, errRefused) {
		t.Fatalf("err = %v, want the evidence refused", err)
	}
	if !strings.Contains(stderr, "trustee: evidence refused: ") || !strings.Contains(stderr, reason) {
		t.Errorf("stderr does not give the reason %q:\n%s", reason, stderr)
	}
}

func evidenceFile(t *testing.T, evidence []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "evidence.json")
	writeFile(t, path, string(evidence))
	return path
}

func TestVerifySample(t *testing.T) {
	rd := sha512.Sum384([]byte("runtime data"))
	file := evidenceFile(t, sample.NewEvidence(sample.CPUSVN, rd[:]))
	claims, _, err := verify(t, "--tee", "sample", "--evidence", file, "--report-data", hex.EncodeToString(rd[:]))
	if err != nil {
		t.Fatal(err)
	}
	if got := claims["cpu0"]; got["svn"] != "1" || got["report_data"] != base64.StdEncoding.EncodeToString(rd[:]) ||
		got["launch_digest"] != sample.LaunchDigest {
		t.Errorf("claims %v", claims)
	}

	other := sha512.Sum384([]byte("another session"))
	_, stderr, err := verify(t, "--tee", "sample", "--evidence", file, "--report-data", hex.EncodeToString(other[:]))
	refused(t, stderr, err, "report data does not match")
}

func TestVerifyFromStandardInputWithoutReportData(t *testing.T) {
	var stdout, stderr bytes.Buffer
	cmd := newRootCommand(&stdout, &stderr)
	cmd.SetIn(strings.NewReader(string(sample.NewEvidence(sample.CPUSVN, []byte("abc")))))
	cmd.SetArgs([]string{"verify", "--tee", "sample", "--evidence", "-"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"report_data": "YWJj"`) {
		t.Errorf("claims %s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "its own report data 616263: its freshness is not checked") {
		t.Errorf("no note that freshness was not checked:\n%s", stderr.String())
	}
}

func TestVerifyTPM(t *testing.T) {
	ctx := context.Background()
	a, err := tpm.Open(ctx, tpm.Config{Device: swtpm.Start(t).Device()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rd := sha512.Sum384([]byte("tpm session"))
	evidence, err := a.Evidence(ctx, rd[:])
	if err != nil {
		t.Fatal(err)
	}
	file := evidenceFile(t, evidence)
	akPublic := base64.StdEncoding.EncodeToString(a.AKPublic())
	for name, args := range map[string][]string{
		"bound":          {"--report-data", hex.EncodeToString(rd[:])},
		"no report data": nil,
	} {
		claims, stderr, err := verify(t, append([]string{"--tee", "tpm", "--evidence", file}, args...)...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, stderr)
		}
		if got := claims["cpu0"]; got["ak_public"] != akPublic || got["pcr11"] == nil {
			t.Errorf("%s: claims %v", name, claims)
		}
	}

	_, stderr, err := verify(t, "--tee", "tpm", "--evidence", file, "--report-data", hex.EncodeToString(make([]byte, 48)))
	refused(t, stderr, err, "quote nonce does not match")
}

// Upstream's TPM evidence carries a 64-byte nonce, which today's rule (the
// report data resized to 32 bytes) can never match: the verification gets
// through parsing, the AK signature and the PCR digest, and stops at the
// nonce, with or without --report-data.
func TestVerifyUpstreamTPMEvidence(t *testing.T) {
	file := upstream.Path(t, "trustee/verifier/tpm_evidence.json")
	nonce := "a04182b506878d4f29b91ee606a71a0d3361ccf1b22db20c98adcaa537bea393" +
		"ef0e41a18b3569ab678f1497fbc5c12000000000000000000000000000000000"
	for _, args := range [][]string{nil, {"--report-data", nonce}} {
		_, stderr, err := verify(t, append([]string{"--tee", "tpm", "--evidence", file}, args...)...)
		refused(t, stderr, err, "quote nonce does not match the expected report data")
	}
}

func TestVerifyUpstreamSNPEvidence(t *testing.T) {
	file := upstream.Path(t, "trustee/as/snp-evidence.json")
	claims, stderr, err := verify(t, "--tee", "snp", "--evidence", file, "--report-data", upstreamSNPReportData)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	got := claims["cpu0"]
	if got["measurement"] != "6a6519d757e68c2e939c9dbbbc1828498e8de35d2766dd05f1a2cca5059d0cf4ae62a36d75c837974dd50b315506e73e" ||
		got["report_data"] != upstreamSNPReportData || got["policy_debug_allowed"] != false || got["reported_tcb_snp"] != float64(23) {
		t.Errorf("claims %v", got)
	}

	wrong := strings.Repeat("00", 64)
	_, stderr, err = verify(t, "--tee", "snp", "--evidence", file, "--report-data", wrong)
	refused(t, stderr, err, "report data does not match")

	_, stderr, err = verify(t, "--tee", "snp", "--evidence", file, "--report-data", upstreamSNPReportData, "--init-data-digest", strings.Repeat("ab", 32))
	refused(t, stderr, err, "HOSTDATA does not match the init-data digest")
}

// TDX uses the configuration file's dcap_verifier table, as the server.
func TestVerifyTDXWithTheServersConfiguration(t *testing.T) {
	fake := trusteetest.NewFakeTDX(t)
	dcap := fake.VerifierConfig[tdxverifier.ConfigKey].(map[string]any)
	config := filepath.Join(t.TempDir(), "kbs-config.toml")
	writeFile(t, config, fmt.Sprintf(`
[http_server]
insecure_http = true
[admin]
type = "DenyAll"
[attestation_service.verifier_config.dcap_verifier]
root_ca_path = %q
collateral_service = %q
`, dcap["root_ca_path"], dcap["collateral_service"]))

	rd := sha512.Sum384([]byte("td session"))
	body := tdxtest.DefaultBody()
	copy(body.ReportData[:], rd[:])
	quote, err := fake.Platform.Quote(tdx.QuoteV4, body)
	if err != nil {
		t.Fatal(err)
	}
	evidence, err := tdx.NewEvidence(quote, nil)
	if err != nil {
		t.Fatal(err)
	}
	file := evidenceFile(t, evidence)

	claims, stderr, err := verify(t, "-c", config, "--tee", "tdx", "--evidence", file, "--report-data", hex.EncodeToString(rd[:]))
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if got := claims["cpu0"]; got["tcb_status"] != "UpToDate" || got["quote"] == nil {
		t.Errorf("claims %v", got)
	}

	_, stderr, err = verify(t, "--tee", "tdx", "--evidence", file, "--report-data", hex.EncodeToString(rd[:]))
	if err == nil || !strings.Contains(stderr, tdxverifier.RootCAPathKey) {
		t.Errorf("without the configuration: %v, stderr does not name %s:\n%s", err, tdxverifier.RootCAPathKey, stderr)
	}
}

func TestVerifyRefusesBadArguments(t *testing.T) {
	file := evidenceFile(t, sample.NewEvidence(sample.CPUSVN, []byte("abc")))
	for name, args := range map[string][]string{
		"no tee":               {"--evidence", file},
		"no evidence":          {"--tee", "sample"},
		"unknown tee":          {"--tee", "sev", "--evidence", file},
		"tee without verifier": {"--tee", "cca", "--evidence", file, "--report-data", "00"},
		"missing file":         {"--tee", "sample", "--evidence", file + ".gone"},
		"not JSON":             {"--tee", "sample", "--evidence", "/dev/null"},
		"report data not hex":  {"--tee", "sample", "--evidence", file, "--report-data", "xyz"},
		"bad config":           {"--tee", "sample", "--evidence", file, "-c", file},
	} {
		if _, stderr, err := verify(t, args...); err == nil || errors.Is(err, errRefused) || stderr == "" {
			t.Errorf("%s: err = %v, stderr %q; want a usage error, not a refusal", name, err, stderr)
		}
	}
}

func TestVerifyHelpHasExamples(t *testing.T) {
	out, _, err := run(context.Background(), "verify", "--help")
	if err != nil || !strings.Contains(out, "Examples:") || !strings.Contains(out, "--report-data") || !strings.Contains(out, "trustee verify -c") {
		t.Fatalf("verify --help: %v\n%s", err, out)
	}
}
