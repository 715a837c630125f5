package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/cocoon-cc/cocoon/internal/trustee/app"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/internal/trustee/config"
	protocol "github.com/cocoon-cc/cocoon/protocol/kbs"
)

// verifyFlags are the flags of trustee verify.
type verifyFlags struct {
	tee            string
	evidence       string
	reportData     string
	initDataDigest string
}

const verifyLong = `verify checks TEE evidence offline, exactly as the server's Attestation
Service would (same verifiers, roots, VCEK sources and TDX collateral, read
from attestation_service.verifier_config of -c FILE), and prints the claims
the appraisal policy would see, as JSON keyed by submodule ("cpu0", "gpu0").

Evidence is the TEE's evidence JSON as the attester sends it: the
tee-evidence of a KBS attestation request, or what the attestation-agent's
GetEvidence returns. --report-data is the hex digest the evidence must be
bound to (the runtime-data digest of the RCAR session). Without it the
evidence is checked against the report data it carries itself: signatures
and chains are verified, but not that the evidence is fresh.

Refused evidence prints the reason and exits with status 1. Policy is not
evaluated: whether an attestation key or measurement is trusted is decided
by reference values on the server, not here.`

const verifyExamples = `  # TDX evidence against the server's configuration (Intel root, PCCS)
  trustee verify -c /etc/trustee/kbs-config.toml --tee tdx --evidence evidence.json \
      --report-data 7e7320889600c7ac133aea7b896c51f41026002982292a7369559796999c1bf9

  # SNP evidence, also checking HOSTDATA against the init-data digest
  trustee verify --tee snp --evidence snp.json --report-data "$RD" --init-data-digest "$DIGEST"

  # What does this TPM quote claim? (no freshness check without --report-data)
  trustee verify --tee tpm --evidence tpm.json

  # Evidence from standard input
  trustee verify --tee sample --evidence - --report-data 616263 < sample.json`

func newVerifyCommand(o *options) *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:     "verify --tee TEE --evidence FILE [--report-data HEX] [--init-data-digest HEX] [-c FILE]",
		Short:   "Verify TEE evidence offline and print its claims, or why it is refused",
		Long:    verifyLong,
		Example: verifyExamples,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The result is the output: the server's start-up warnings (an
			// unconfigured TDX root, say) would only distract, and a TDX
			// refusal names the missing key itself.
			if !cmd.Flags().Changed("log-level") {
				o.logLevel = "error"
			}
			return runVerify(cmd.Context(), o, f, cmd.InOrStdin())
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&f.tee, "tee", "", "TEE of the evidence: sample, tpm, snp, tdx, ... (required)")
	flags.StringVar(&f.evidence, "evidence", "", "file holding the evidence JSON, - for standard input (required)")
	flags.StringVar(&f.reportData, "report-data", "", "hex of the report data the evidence must be bound to")
	flags.StringVar(&f.initDataDigest, "init-data-digest", "", "hex of the init-data digest the evidence must be bound to")
	return cmd
}

// errRefused wraps the verifier's reason for refusing the evidence.
var errRefused = errors.New("evidence refused")

func runVerify(ctx context.Context, o *options, f verifyFlags, stdin io.Reader) error {
	if f.tee == "" || f.evidence == "" {
		return errors.New("verify needs --tee and --evidence; see trustee verify --help")
	}
	tee := protocol.Tee(f.tee)
	if !tee.Valid() {
		return fmt.Errorf("--tee %q: not a TEE name (%v)", f.tee, protocol.KnownTees)
	}
	evidence, err := readEvidence(f.evidence, stdin)
	if err != nil {
		return err
	}
	var expected verifier.Expected
	if expected.ReportData, err = decodeHexFlag("--report-data", f.reportData); err != nil {
		return err
	}
	if expected.InitDataDigest, err = decodeHexFlag("--init-data-digest", f.initDataDigest); err != nil {
		return err
	}
	v, err := lookupVerifier(o, tee)
	if err != nil {
		return err
	}
	if expected.ReportData == nil {
		if expected.ReportData, err = evidenceReportData(tee, evidence); err != nil {
			return fmt.Errorf("%w: %w", errRefused, err)
		}
		// Advisory, like a log line: the verdict below does not depend on it.
		_, _ = fmt.Fprintf(o.stderr, "note: no --report-data: the evidence is checked against its own report data %s: its freshness is not checked\n",
			hex.EncodeToString(expected.ReportData))
	}
	sets, err := v.Verify(ctx, evidence, expected)
	if err != nil {
		return fmt.Errorf("%w: %w", errRefused, err)
	}
	return printClaims(o.stdout, sets)
}

// lookupVerifier builds the server's verifiers from the configuration
// file's verifier_config (none: the defaults) and returns tee's.
func lookupVerifier(o *options, tee protocol.Tee) (verifier.Verifier, error) {
	logger, err := newLogger(o)
	if err != nil {
		return nil, err
	}
	var verifierConfig map[string]any
	if o.configFile != "" {
		cfg, err := config.Load(o.configFile)
		if err != nil {
			return nil, fmt.Errorf("%w\n(run `trustee validate -c %s` for the full list)", err, o.configFile)
		}
		verifierConfig = cfg.AttestationService.VerifierConfig
	}
	registry, err := app.NewVerifiers(verifierConfig, logger)
	if err != nil {
		return nil, err
	}
	return registry.Lookup(tee)
}

// maxEvidenceBytes bounds the evidence read; TDX evidence with its event
// log is the largest, well under this.
const maxEvidenceBytes = 16 << 20

func readEvidence(name string, stdin io.Reader) (json.RawMessage, error) {
	var (
		b   []byte
		err error
	)
	if name == "-" {
		b, err = io.ReadAll(io.LimitReader(stdin, maxEvidenceBytes+1))
	} else {
		b, err = os.ReadFile(name)
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("--evidence: %w", err)
	case len(b) > maxEvidenceBytes:
		return nil, fmt.Errorf("--evidence: larger than %d MiB", maxEvidenceBytes>>20)
	case !json.Valid(b):
		return nil, fmt.Errorf("--evidence %s: not JSON; give the TEE's evidence as the attester sends it", name)
	}
	return b, nil
}

func decodeHexFlag(flag, value string) ([]byte, error) {
	if value == "" {
		return nil, nil
	}
	b, err := hex.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("%s: not hex: %w", flag, err)
	}
	return b, nil
}

// printClaims prints each claim set under its EAR submodule name.
func printClaims(w io.Writer, sets []verifier.ClaimSet) error {
	byClass := map[verifier.Class]int{}
	out := make(map[string]map[string]any, len(sets))
	for _, s := range sets {
		out[string(s.Class)+strconv.Itoa(byClass[s.Class])] = s.Claims
		byClass[s.Class]++
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("claims: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
