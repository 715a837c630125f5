package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cocoon-cc/cocoon/internal/guest/secret"
)

func newUnsealCmd() *cobra.Command {
	var filePath, keyPath, kekFile string
	var skip bool
	cmd := &cobra.Command{
		Use:   "unseal",
		Short: "Check a sealed secret and show what it holds (debugging)",
		Long: `unseal verifies a sealed secret with the public JWK you give (the key the
CDH would find under the signing kid), then:
  - for an envelope secret with --kek-file, prints the plaintext;
  - otherwise prints the secret JSON (a vault secret's value is in the KBS).
Nothing is fetched from the network.`,
		Example: `  cocoon-secret unseal --file-path secret.sealed --key-path signing-key-public.json
  cocoon-secret unseal --file-path secret.sealed --key-path signing-key-public.json --kek-file kek.bin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := readInput(cmd.InOrStdin(), filePath)
			if err != nil {
				return err
			}
			s, err := openSealed(raw, keyPath, skip)
			if err != nil {
				return err
			}
			if s.Envelope != nil && kekFile != "" {
				kek, err := readKEK(kekFile)
				if err != nil {
					return err
				}
				defer clear(kek)
				plain, err := secret.OpenKBSEnvelope(s.Envelope, kek)
				if err != nil {
					return err
				}
				_, err = cmd.OutOrStdout().Write(plain)
				return err
			}
			out, err := json.MarshalIndent(s, "", "  ")
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), string(out))
			return err
		},
	}
	cmd.Flags().StringVarP(&filePath, "file-path", "f", "-", `file holding the sealed secret ("-": standard input)`)
	cmd.Flags().StringVarP(&keyPath, "key-path", "k", "", "public (or private) JWK that verifies the signature")
	cmd.Flags().StringVar(&kekFile, "kek-file", "", "32-byte KEK that opens an envelope secret")
	cmd.Flags().BoolVarP(&skip, "skip-verification", "s", false, "do not check the signature (also reads the legacy unsigned form)")
	return cmd
}

// openSealed verifies with the given key rather than resolving the kid.
func openSealed(raw, keyPath string, skip bool) (*secret.Secret, error) {
	if skip {
		return (&secret.Unsealer{SkipVerification: true}).Open(context.Background(), []byte(raw))
	}
	if keyPath == "" {
		return nil, fmt.Errorf("--key-path is required unless --skip-verification is given")
	}
	jwk, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, err
	}
	pub, err := secret.ParseVerificationKey(jwk)
	if err != nil {
		return nil, err
	}
	signed, err := secret.ParseSigned(raw)
	if err != nil {
		return nil, err
	}
	if err := signed.Verify(pub); err != nil {
		return nil, err
	}
	return secret.ParsePayload(signed.Payload)
}

func readInput(stdin io.Reader, path string) (string, error) {
	var (
		b   []byte
		err error
	)
	if path == "-" {
		b, err = io.ReadAll(io.LimitReader(stdin, 1<<20))
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
