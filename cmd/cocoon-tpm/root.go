package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/cocoon-cc/cocoon/tee/tpm"
)

// tpmFlags select the TPM, with upstream's environment variables as defaults.
type tpmFlags struct {
	device   string
	akHandle string
}

func newRootCommand(stdout io.Writer) *cobra.Command {
	f := &tpmFlags{device: os.Getenv(tpm.EnvDevice), akHandle: os.Getenv(tpm.EnvAKHandle)}
	if f.akHandle == "" {
		f.akHandle = fmt.Sprintf("%#x", tpm.DefaultAKHandle)
	}
	root := &cobra.Command{
		Use:   "cocoon-tpm",
		Short: "Provision TPM attestation: print the attestation key and PCRs for Trustee",
		Long: `cocoon-tpm reads the TPM the attestation-agent attests with, so that an admin
can register it with Trustee. Trustee's default CPU policy trusts a TPM only
when its attestation key is a "trusted_aks" reference value and its PCR 11 a
"tpm_pcr11" one.

The TPM is a device (default: the first of /dev/tpmrm0, /dev/tpm0, ...) or a
simulator speaking raw TPM commands over TCP, such as swtpm:
  swtpm socket --tpm2 --tpmstate dir=/tmp/tpm --flags startup-clear \
    --server type=tcp,port=2321 --ctrl type=tcp,port=2322
  cocoon-tpm --device tcp://127.0.0.1:2321 ak`,
		SilenceUsage: true,
	}
	root.SetOut(stdout)
	root.PersistentFlags().StringVar(&f.device, "device", f.device,
		"TPM device or tcp://HOST:PORT (env "+tpm.EnvDevice+"; default: first of /dev/tpmrm0, /dev/tpm0, ...)")
	root.PersistentFlags().StringVar(&f.akHandle, "ak-handle", f.akHandle,
		"persistent handle of the attestation key, hex (env "+tpm.EnvAKHandle+")")
	root.AddCommand(newAKCommand(f), newPCRsCommand(f))
	return root
}

func (f *tpmFlags) open(ctx context.Context) (*tpm.Attester, error) {
	handle, err := tpm.ParseHandle(f.akHandle)
	if err != nil {
		return nil, err
	}
	return tpm.Open(ctx, tpm.Config{Device: f.device, AKHandle: handle})
}

func newAKCommand(f *tpmFlags) *cobra.Command {
	var kbsCommand bool
	var kbsURL, authKey string
	cmd := &cobra.Command{
		Use:   "ak",
		Short: "Print the attestation key (created and persisted when absent) and its SHA-256",
		Long: `Prints the attestation key's public key as base64 DER SubjectPublicKeyInfo,
exactly the "ak_public" the TPM evidence carries and the "trusted_aks" reference
value must hold, and the SHA-256 of that DER. When the AK handle is empty, an
RSA-2048 restricted signing key (RSASSA-SHA256) is created in the endorsement
hierarchy and persisted there.

With --kbs-client-command it prints the kbs-client commands that register the
AK and the current PCR 11 with Trustee.`,
		Example: `  cocoon-tpm ak
  cocoon-tpm ak --kbs-client-command --kbs-url https://kbs.example:8080 --auth-private-key admin.key`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer func() { _ = a.Close() }() // only the TPM connection; nothing is pending on it
			der := a.AKPublic()
			b64 := base64.StdEncoding.EncodeToString(der)
			sum := sha256.Sum256(der)
			out := cmd.OutOrStdout()
			if !kbsCommand {
				_, err := fmt.Fprintf(out, "ak_public: %s\nsha256:    %s\n", b64, hex.EncodeToString(sum[:]))
				return err
			}
			pcrs, err := a.PCRs(cmd.Context())
			if err != nil {
				return err
			}
			prefix := fmt.Sprintf("kbs-client --url %s config --auth-private-key %s set-sample-reference-value", kbsURL, authKey)
			_, err = fmt.Fprintf(out, "%s trusted_aks %s\n%s tpm_pcr11 %s\n", prefix, b64, prefix, hex.EncodeToString(pcrs[11][:]))
			return err
		},
	}
	cmd.Flags().BoolVar(&kbsCommand, "kbs-client-command", false, "print the kbs-client commands registering trusted_aks and tpm_pcr11")
	cmd.Flags().StringVar(&kbsURL, "kbs-url", "http://127.0.0.1:8080", "Trustee URL in the printed commands")
	cmd.Flags().StringVar(&authKey, "auth-private-key", "admin.key", "admin private key file in the printed commands")
	return cmd
}

func newPCRsCommand(f *tpmFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "pcrs",
		Short: "Print the SHA-256 PCRs 0-23, as the evidence carries them",
		Long: `Prints each PCR of the SHA-256 bank as "pcrNN <hex>", the claim names a
policy reads (input.tpm.pcr11). PCR 8 holds the init-data binding and PCR 23
the attestation-agent's runtime measurements.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer func() { _ = a.Close() }() // only the TPM connection; nothing is pending on it
			pcrs, err := a.PCRs(cmd.Context())
			if err != nil {
				return err
			}
			for i, v := range pcrs {
				if _, err := fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", tpm.PCRClaim(i), hex.EncodeToString(v[:])); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
