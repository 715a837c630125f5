package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/cocoon-cc/cocoon/internal/imagetool"
)

func init() { subcommands = append(subcommands, newCopyCommand) }

type copyOptions struct {
	encryptionKeys []string
	srcTLSVerify   bool
	destTLSVerify  bool
	sigstoreKey    string
	passphraseFile string
	signBy         string
	registriesD    string
	quiet          bool
	insecurePolicy bool
}

const copyHelp = `Copy an image from SOURCE to DESTINATION, optionally encrypting every layer
and signing the copy. Image names: docker://HOST/REPO:TAG, oci:DIR[:TAG],
dir:PATH. Progress goes to stderr; the manifest digest of the copy is printed on
stdout. A manifest list is resolved to this platform's image, which alone is
copied.

Encryption: --encryption-key provider:attestation-agent:<parameters> makes
ocicrypt ask the key provider named in the JSON file OCICRYPT_KEYPROVIDER_CONFIG
points at, e.g. {"key-providers":{"attestation-agent":{"grpc":"127.0.0.1:50000"}}}
for a coco-keyprovider; <parameters> are keyid=kbs:///<repo>/<type>/<tag>,
keypath=<32-byte KEK file> and algorithm=A256GCM|A256CTR joined by "::". Other
ocicrypt recipients (jwe:<public key PEM>, pgp:<email>, pkcs7:<cert>) work too.
Encrypted images are written with OCI manifests; layers get the
application/vnd.oci.image.layer.v1.tar+gzip+encrypted media type and the
org.opencontainers.image.enc.* annotations.

Signing: --sign-by-sigstore-private-key signs with a cosign key (from
generate-sigstore-key) into a registry attachment <repo>:sha256-<digest>.sig
(docker:// destinations; no registries.d use-sigstore-attachments needed).
--sign-by signs with GPG simple signing using the gpg command and the key with
that fingerprint in $GNUPGHOME; the signature goes where registries.d's
lookaside-staging (or lookaside) for the destination says.

cocoon-image copy never evaluates a policy.json (as skopeo --insecure-policy).`

const copyExamples = `  # Encrypt an image through coco-keyprovider, which registers the KEK in Trustee
  export OCICRYPT_KEYPROVIDER_CONFIG=$PWD/ocicrypt.conf
  cocoon-image copy \
      --encryption-key provider:attestation-agent:keyid=kbs:///default/key/app::algorithm=A256GCM \
      docker://registry.example/app:1 docker://registry.example/app:1-encrypted

  # Copy to a local OCI layout from a plain-HTTP registry
  cocoon-image copy --src-tls-verify=false docker://127.0.0.1:5000/app:1 oci:/tmp/app:1

  # Sign with a sigstore key
  cocoon-image generate-sigstore-key --output-prefix mykey --passphrase-file pass.txt
  cocoon-image copy --sign-by-sigstore-private-key mykey.private --sign-passphrase-file pass.txt \
      oci:/tmp/app:1 docker://registry.example/app:1-signed

  # Sign with GPG simple signing, signatures written to a lookaside directory
  cocoon-image copy --registries.d ./registries.d --sign-by 0123...CDEF \
      oci:/tmp/app:1 docker://registry.example/app:1-signed`

func newCopyCommand() *cobra.Command {
	o := &copyOptions{}
	cmd := &cobra.Command{
		Use:     "copy [flags] SOURCE DESTINATION",
		Short:   "Copy an image, encrypting its layers and signing it",
		Long:    copyHelp,
		Example: copyExamples,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCopy(cmd, o, args[0], args[1])
		},
	}
	f := cmd.Flags()
	f.SortFlags = false
	f.StringArrayVar(&o.encryptionKeys, "encryption-key", nil,
		"encrypt every layer for this ocicrypt recipient, e.g. provider:attestation-agent:keyid=kbs:///default/key/1::algorithm=A256GCM (repeatable)")
	f.BoolVar(&o.srcTLSVerify, "src-tls-verify", true, "require HTTPS and verified certificates for the source registry")
	f.BoolVar(&o.destTLSVerify, "dest-tls-verify", true, "require HTTPS and verified certificates for the destination registry")
	f.StringVar(&o.sigstoreKey, "sign-by-sigstore-private-key", "", "sign with this encrypted sigstore (cosign) private key PEM")
	f.StringVar(&o.passphraseFile, "sign-passphrase-file", "", "file whose first line is the passphrase of the signing key")
	f.StringVar(&o.signBy, "sign-by", "", "sign with GPG simple signing using the key with this fingerprint")
	f.StringVar(&o.registriesD, "registries.d", "", "registries.d directory with lookaside signature locations")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "do not write progress to stderr")
	f.BoolVar(&o.insecurePolicy, "insecure-policy", false, "accepted for skopeo compatibility; copy never evaluates a policy")
	return cmd
}

func runCopy(cmd *cobra.Command, o *copyOptions, src, dest string) error {
	opts := imagetool.Options{
		SourceInsecure:      !o.srcTLSVerify,
		DestinationInsecure: !o.destTLSVerify,
		RegistriesDirPath:   o.registriesD,
		Progress:            cmd.ErrOrStderr(),
	}
	if o.quiet {
		opts.Progress = io.Discard
	}
	if len(o.encryptionKeys) > 0 {
		ec, err := imagetool.EncryptConfig(o.encryptionKeys)
		if err != nil {
			return err
		}
		opts.Encrypt = ec
	}
	passphrase, err := readPassphrase(o.passphraseFile)
	if err != nil {
		return err
	}
	if o.sigstoreKey != "" {
		pemBytes, err := os.ReadFile(o.sigstoreKey)
		if err != nil {
			return fmt.Errorf("--sign-by-sigstore-private-key: %w", err)
		}
		if opts.SigstoreKey, err = imagetool.ParseSigstoreKey(pemBytes, passphrase); err != nil {
			return fmt.Errorf("--sign-by-sigstore-private-key %s: %w", o.sigstoreKey, err)
		}
	}
	if o.signBy != "" {
		opts.GPGSigner = &imagetool.GPGSigner{Fingerprint: o.signBy, PassphraseFile: o.passphraseFile}
	}
	result, err := imagetool.Copy(cmd.Context(), src, dest, opts)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(cmd.OutOrStdout(), result.ManifestDigest)
	return err
}

// readPassphrase is the first line of path, skopeo's passphrase-file
// format; "" gives an empty passphrase.
func readPassphrase(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("passphrase file: %w", err)
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r")), nil
}
