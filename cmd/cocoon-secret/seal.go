package main

import (
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cocoon-cc/cocoon/internal/guest/resourceuri"
	"github.com/cocoon-cc/cocoon/internal/guest/secret"
)

// sealFlags are the flags of seal shared by its vault and envelope forms.
type sealFlags struct {
	kid     string
	jwkPath string
}

func newSealCmd() *cobra.Command {
	var f sealFlags
	cmd := &cobra.Command{
		Use:   "seal",
		Short: "Sign a vault or envelope secret and print it as sealed.<...>",
		Long: `seal builds a secret, signs it with ES256 and prints the sealed string.
The signing kid tells the CDH where the public key is: a resource URI
(kbs:///repo/type/tag) is fetched from the KBS, any other kid is read from
/run/confidential-containers/cdh/sealed-secret/<kid> in the guest.`,
		Args: cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&f.kid, "signing-kid", "", "kid of the signing key, as the CDH finds it (required)")
	cmd.PersistentFlags().StringVar(&f.jwkPath, "signing-jwk-path", "", "private signing JWK from keygen (required)")
	_ = cmd.MarkPersistentFlagRequired("signing-kid")
	_ = cmd.MarkPersistentFlagRequired("signing-jwk-path")
	cmd.AddCommand(newSealVaultCmd(&f), newSealEnvelopeCmd(&f))
	return cmd
}

func newSealVaultCmd(f *sealFlags) *cobra.Command {
	var uri, provider, settings, annotations string
	cmd := &cobra.Command{
		Use:   "vault",
		Short: "Seal a reference to a secret kept in the KBS",
		Long: `A vault secret holds no secret data: it names a KBS resource, which the CDH
fetches (after attestation) when it unseals. Store the value in the KBS
separately.`,
		Example: `  cocoon-secret seal --signing-kid kbs:///default/signing/key1 \
    --signing-jwk-path signing-key-private.json \
    vault --resource-uri kbs:///default/db/password`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !strings.EqualFold(provider, secret.ProviderKBS) {
				_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "warning: Cocoon's CDH unseals only provider %q\n", secret.ProviderKBS)
			} else if _, err := resourceuri.Parse(uri); err != nil {
				return err
			}
			v := &secret.Vault{Name: uri, Provider: provider}
			if err := parseJSONObject("--provider-settings", settings, &v.ProviderSettings); err != nil {
				return err
			}
			if err := parseJSONObject("--annotations", annotations, &v.Annotations); err != nil {
				return err
			}
			return printSealed(cmd, f, &secret.Secret{Version: secret.Version, Vault: v})
		},
	}
	cmd.Flags().StringVar(&uri, "resource-uri", "", "resource URI of the secret value (required)")
	cmd.Flags().StringVar(&provider, "provider", secret.ProviderKBS, "provider that holds the value")
	cmd.Flags().StringVar(&settings, "provider-settings", "", "provider settings as a JSON object")
	cmd.Flags().StringVar(&annotations, "annotations", "", "provider annotations as a JSON object")
	_ = cmd.MarkFlagRequired("resource-uri")
	return cmd
}

func newSealEnvelopeCmd(f *sealFlags) *cobra.Command {
	var keyID, kekFile, filePath string
	cmd := &cobra.Command{
		Use:   "envelope",
		Short: "Encrypt a secret under a key-encryption key kept in the KBS and seal it",
		Long: `An envelope secret carries the secret encrypted (AES-256-GCM) under a fresh
data key, which is wrapped with a 32-byte key-encryption key (KEK). Store
the same KEK in the KBS at --key-id; the CDH fetches it to unseal. This
"kbs" envelope provider is a Cocoon extension: upstream's CDH unwraps
envelope keys only with cloud KMSes.`,
		Example: `  head -c 32 /dev/urandom > kek.bin   # also upload it to default/kek/1
  cocoon-secret seal --signing-kid kbs:///default/signing/key1 \
    --signing-jwk-path signing-key-private.json \
    envelope --key-id kbs:///default/kek/1 --kek-file kek.bin --file-path secret.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := resourceuri.Parse(keyID); err != nil {
				return fmt.Errorf("--key-id: %w", err)
			}
			kek, err := readKEK(kekFile)
			if err != nil {
				return err
			}
			defer clear(kek)
			plaintext, err := os.ReadFile(filePath)
			if err != nil {
				return err
			}
			defer clear(plaintext)
			s, err := secret.NewKBSEnvelope(keyID, kek, plaintext)
			if err != nil {
				return err
			}
			return printSealed(cmd, f, s)
		},
	}
	cmd.Flags().StringVar(&keyID, "key-id", "", "resource URI of the KEK in the KBS (required)")
	cmd.Flags().StringVar(&kekFile, "kek-file", "", "file holding the 32-byte KEK (required)")
	cmd.Flags().StringVar(&filePath, "file-path", "", "file holding the secret to seal (required)")
	for _, name := range []string{"key-id", "kek-file", "file-path"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func printSealed(cmd *cobra.Command, f *sealFlags, s *secret.Secret) error {
	key, err := readSigningKey(f.jwkPath)
	if err != nil {
		return err
	}
	sealed, err := secret.Seal(s, key, f.kid)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(cmd.OutOrStdout(), sealed)
	return err
}

func readSigningKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return secret.ParseSigningKey(b)
}

func readKEK(path string) ([]byte, error) {
	kek, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(kek) != secret.KeySize {
		clear(kek)
		return nil, fmt.Errorf("--kek-file %s: %d bytes, want %d raw bytes", path, len(kek), secret.KeySize)
	}
	return kek, nil
}

func parseJSONObject(flag, s string, dst *map[string]any) error {
	if s == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), dst); err != nil || *dst == nil {
		return fmt.Errorf("%s: want a JSON object", flag)
	}
	return nil
}
