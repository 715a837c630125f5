package app

import (
	"fmt"
	"log/slog"
	"slices"

	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/azsnp"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/aztdx"
	nvidiaverifier "github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/nvidia"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/sample"
	snpverifier "github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/snp"
	tdxverifier "github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/tdx"
	tpmverifier "github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/tpm"
	protocol "github.com/cocoon-cc/cocoon/protocol/kbs"
)

// verifierTables are the members of verifier_config a registered verifier
// reads; the others (upstream's nvidia_verifier, tpm_verifier, ...) wait
// for their verifier.
var verifierTables = []string{snpverifier.ConfigKey, tdxverifier.ConfigKey, nvidiaverifier.ConfigKey}

// tdxWithheld is why TDX has no verifier when Intel's root is not
// configured: the start-up warning and every refused /auth say it.
const tdxWithheld = "the Intel SGX Root CA is not configured: set " + tdxverifier.RootCAPathKey +
	" to the PEM file of Intel's root " +
	"(https://certificates.trustedservices.intel.com/Intel_SGX_Provisioning_Certification_RootCA.pem)"

// nvidiaWithheld is why NVIDIA GPUs have no verifier when NVIDIA's device
// identity root is not configured.
const nvidiaWithheld = "NVIDIA's device identity root CA is not configured: set " + nvidiaverifier.RootCAPathKey +
	" to the PEM file of NVIDIA's Device Identity CA"

// NewVerifiers registers the TEE verifiers Cocoon implements, configured
// by attestation_service.verifier_config. The server and the offline
// `trustee verify` both build their verifiers here, so that they trust
// the same roots and use the same collateral. TDX (and Azure's TDX vTPM,
// which verifies its TD quote with the same collateral) and NVIDIA stay
// unregistered, with a warning, until the vendor's root is configured; an
// invalid table is an error.
func NewVerifiers(verifierConfig map[string]any, logger *slog.Logger) (*verifier.Registry, error) {
	r := verifier.NewRegistry()
	fixed := map[protocol.Tee]verifier.Verifier{
		protocol.TeeSample:       sample.CPU{},
		protocol.TeeSampleDevice: sample.Device{},
		protocol.TeeTpm:          tpmverifier.Verifier{},
	}
	azSNP, err := azsnp.New(azsnp.Options{}) // AMD's roots are built in, the VCEK comes with the evidence
	if err != nil {
		return nil, err
	}
	fixed[protocol.TeeAzSnpVtpm] = azSNP
	for tee, v := range fixed {
		if err := r.Register(tee, v); err != nil {
			return nil, err
		}
	}
	if err := registerSNP(r, verifierConfig, logger); err != nil {
		return nil, err
	}
	if err := registerTDX(r, verifierConfig, logger); err != nil {
		return nil, err
	}
	if err := registerNvidia(r, verifierConfig, logger); err != nil {
		return nil, err
	}
	for table := range verifierConfig {
		if !slices.Contains(verifierTables, table) {
			logger.Debug("verifier_config table accepted but not read: its verifier is not implemented yet",
				slog.String("table", "attestation_service.verifier_config."+table))
		}
	}
	return r, nil
}

func registerSNP(r *verifier.Registry, verifierConfig map[string]any, logger *slog.Logger) error {
	opts, err := snpverifier.OptionsFromConfig(verifierConfig)
	if err != nil {
		return fmt.Errorf("attestation_service.verifier_config: %w", err)
	}
	opts.Logger = logger
	v, err := snpverifier.New(opts)
	if err != nil {
		return fmt.Errorf("attestation_service.verifier_config.%s: %w", snpverifier.ConfigKey, err)
	}
	return r.Register(protocol.TeeSnp, v)
}

func registerTDX(r *verifier.Registry, verifierConfig map[string]any, logger *slog.Logger) error {
	opts, err := tdxverifier.OptionsFromConfig(verifierConfig)
	if err != nil {
		return fmt.Errorf("attestation_service.verifier_config: %w", err)
	}
	if opts.RootCAPath == "" {
		logger.Warn("TDX attestation disabled: " + tdxWithheld)
		if err := r.Withhold(protocol.TeeTdx, tdxWithheld); err != nil {
			return err
		}
		return r.Withhold(protocol.TeeAzTdxVtpm, tdxWithheld)
	}
	v, err := tdxverifier.New(opts)
	if err != nil {
		return fmt.Errorf("attestation_service.verifier_config.%s: %w", tdxverifier.ConfigKey, err)
	}
	if err := r.Register(protocol.TeeTdx, v); err != nil {
		return err
	}
	// Azure's TDX vTPM shares the TDX verifier, so both use one collateral cache.
	az, err := aztdx.New(v)
	if err != nil {
		return err
	}
	return r.Register(protocol.TeeAzTdxVtpm, az)
}

func registerNvidia(r *verifier.Registry, verifierConfig map[string]any, logger *slog.Logger) error {
	opts, err := nvidiaverifier.OptionsFromConfig(verifierConfig)
	if err != nil {
		return fmt.Errorf("attestation_service.verifier_config: %w", err)
	}
	if opts.RootCAPath == "" && opts.Root == nil {
		logger.Info("NVIDIA GPU attestation disabled: " + nvidiaWithheld)
		return r.Withhold(protocol.TeeNvidia, nvidiaWithheld)
	}
	v, err := nvidiaverifier.New(opts)
	if err != nil {
		return fmt.Errorf("attestation_service.verifier_config.%s: %w", nvidiaverifier.ConfigKey, err)
	}
	return r.Register(protocol.TeeNvidia, v)
}
