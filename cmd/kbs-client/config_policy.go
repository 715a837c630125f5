package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
)

func newSetAttestationPolicyCommand(env cliEnv, newAdmin adminFactory) *cobra.Command {
	var policyType, id, policyFile string
	cmd := &cobra.Command{
		Use:   "set-attestation-policy --policy-file F [--type rego] [--id default_cpu]",
		Short: "Upload an attestation-service policy",
		Long: `Uploads a policy of the attestation service, which appraises evidence and
sets the EAR status of the attestation token. The EAR broker evaluates the
policy with id default_cpu for CPU evidence.`,
		Example: `  kbs-client config --admin-token-file admin-token set-attestation-policy --policy-file ear.rego
  kbs-client config --admin-token-file admin-token set-attestation-policy --id strict --policy-file strict.rego`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			policy, err := os.ReadFile(policyFile)
			if err != nil {
				return fmt.Errorf("read --policy-file: %w", err)
			}
			admin, err := newAdmin()
			if err != nil {
				return err
			}
			if err := admin.SetAttestationPolicy(cmd.Context(), id, policy, policyType); err != nil {
				return err
			}
			_, err = fmt.Fprintln(env.stdout, "Set attestation policy success")
			return err
		},
	}
	cmd.Flags().StringVar(&policyType, "type", kbsclient.DefaultPolicyType, "policy language")
	cmd.Flags().StringVar(&id, "id", kbsclient.DefaultAttestationPolicyID, "policy id")
	cmd.Flags().StringVar(&policyFile, "policy-file", "", "policy file (required)")
	_ = cmd.MarkFlagRequired("policy-file")
	return cmd
}

func newSetResourcePolicyCommand(env cliEnv, newAdmin adminFactory) *cobra.Command {
	var policyFile string
	presets := map[string]*bool{}
	cmd := &cobra.Command{
		Use:   "set-resource-policy (--policy-file F | --allow-all | --deny-all | --affirming | --default)",
		Short: "Upload the KBS resource policy",
		Long: `Uploads the Rego policy that decides, from the attestation token, which
resources the KBS releases. Instead of a file, a preset can be chosen:
  --allow-all   release every resource to any attested client
  --deny-all    release nothing
  --affirming   release only when the attestation policy was met (EAR status affirming)
  --default     Cocoon Trustee's default: release only when every EAR submodule
                is affirming, and never to the sample TEE
(upstream's kbs-client uploads deny-all for --default, and upstream's server
default releases to any TEE but sample whatever the appraisal said; Cocoon's
default also requires the appraisal to be affirming.)`,
		Example: `  kbs-client config --admin-token-file admin-token set-resource-policy --affirming
  kbs-client config --admin-token-file admin-token set-resource-policy --policy-file policy.rego`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			policy, err := chosenPolicy(policyFile, presets)
			if err != nil {
				return err
			}
			admin, err := newAdmin()
			if err != nil {
				return err
			}
			if err := admin.SetResourcePolicy(cmd.Context(), policy); err != nil {
				return err
			}
			_, err = fmt.Fprintln(env.stdout, "Set resource policy success")
			return err
		},
	}
	cmd.Flags().StringVar(&policyFile, "policy-file", "", "Rego policy file")
	names := []string{"policy-file"}
	for _, name := range []string{presetAllowAll, presetDenyAll, presetAffirming, presetDefault} {
		presets[name] = cmd.Flags().Bool(name, false, "upload the "+name+" preset policy")
		names = append(names, name)
	}
	cmd.MarkFlagsMutuallyExclusive(names...)
	cmd.MarkFlagsOneRequired(names...)
	return cmd
}

// chosenPolicy returns the policy file's text or the chosen preset's.
func chosenPolicy(policyFile string, presets map[string]*bool) ([]byte, error) {
	if policyFile != "" {
		policy, err := os.ReadFile(policyFile)
		if err != nil {
			return nil, fmt.Errorf("read --policy-file: %w", err)
		}
		return policy, nil
	}
	for name, chosen := range presets {
		if *chosen {
			return presetPolicy(name)
		}
	}
	return nil, fmt.Errorf("choose a policy: --policy-file F or one of --%s, --%s, --%s, --%s",
		presetAllowAll, presetDenyAll, presetAffirming, presetDefault)
}

func newGetResourcePolicyCommand(env cliEnv, newAdmin adminFactory) *cobra.Command {
	return &cobra.Command{
		Use:   "get-resource-policy",
		Short: "Print what the KBS reports about its resource policy",
		Long: `Prints the KBS answer as JSON: the ids of the installed resource policies
(Trustee v0.17 and later), or the base64url policy text as a JSON string from
older servers.`,
		Example: `  kbs-client config --admin-token-file admin-token get-resource-policy`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			admin, err := newAdmin()
			if err != nil {
				return err
			}
			answer, err := admin.GetResourcePolicy(cmd.Context())
			if err != nil {
				return err
			}
			return printJSON(env, answer)
		},
	}
}
