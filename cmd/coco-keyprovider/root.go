package main

import (
	"io"

	"github.com/spf13/cobra"
)

// options are the command-line flags.
type options struct {
	socket         string
	kbsURL         string
	authPrivateKey string
	kbsCert        string
	logLevel       string
	stderr         io.Writer
}

const longHelp = `coco-keyprovider wraps the layer keys of images being encrypted for
Confidential Containers. ocicrypt tools (skopeo >= 1.10, cocoon-image) call its
gRPC keyprovider.KeyProviderService/WrapKey through OCICRYPT_KEYPROVIDER_CONFIG,
a JSON file such as

  {"key-providers":{"attestation-agent":{"grpc":"127.0.0.1:50000"}}}

with the recipient provider:attestation-agent:<parameters>, where <parameters>
are <name>=<value> pairs joined by "::":

  keyid=kbs:///<repo>/<type>/<tag>  where the guest fetches the KEK from the KBS
  keypath=<file>                    a 32-byte raw KEK; without it a random KEK
  algorithm=A256GCM|A256CTR         how the KEK wraps the layer key (A256GCM)

Each layer key is wrapped with the KEK under a fresh IV, and the layer gets the
AnnotationPacket {"kid","wrapped_data","iv","wrap_type"} that the guest's
confidential-data-hub unwraps after attestation.

With --kbs and --auth-private-key every KEK is registered in Trustee at keyid's
path through the admin API before the layer is written; if Trustee does not
answer 2xx the encryption fails. Without them, keypath= is required and you
register the KEK yourself (kbs-client config set-resource).

One KEK per keyid while the process runs: the first layer wrapped for a keyid
registers its KEK (keypath's or a random one); later layers for that keyid
reuse it, so every layer of an image decrypts with the key Trustee holds. A
different keypath= KEK for a keyid already registered is refused. A new
coco-keyprovider process does not know the KEKs of an earlier one: wrapping for
a keyid that is already in Trustee registers a new KEK, which replaces the old
one, and images encrypted earlier for that keyid can no longer be decrypted.
Give each image (or release) its own keyid, or keep one KEK file and pass it
as keypath=. Without keyid every layer gets its own kid
kbs:///default/image-kek/<uuid> and KEK.

Differences from upstream coco_keyprovider, all deliberate fixes:
  - algorithm= is honoured (upstream read it from keypath= and always used
    A256GCM); an unknown algorithm is an error.
  - the default kid is kbs:///default/image-kek/<uuid> (upstream's lacked the
    kbs:// scheme, which the CDH rejects); /<repo>/<type>/<tag> keyids are
    written as kbs:///<repo>/<type>/<tag>.
  - the registration's HTTP status is checked (upstream ignored it and could
    encrypt images under a key Trustee never stored).
  - a random KEK without registration, sample=true (a hard-coded public key)
    and unknown parameters are refused; --daemon is not offered (use your
    service manager).
UnWrapKey answers UNIMPLEMENTED, as upstream: unwrapping happens in the guest.`

const examples = `  # Register KEKs in Trustee as they are made
  coco-keyprovider --socket 127.0.0.1:50000 --kbs http://127.0.0.1:8080 --auth-private-key admin.key

  # Then encrypt an image through it
  echo '{"key-providers":{"attestation-agent":{"grpc":"127.0.0.1:50000"}}}' > ocicrypt.conf
  OCICRYPT_KEYPROVIDER_CONFIG=$PWD/ocicrypt.conf cocoon-image copy \
      --encryption-key provider:attestation-agent:keyid=kbs:///default/key/app::algorithm=A256GCM \
      docker://registry.example/app:1 docker://registry.example/app:1-encrypted`

func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	o := &options{stderr: stderr}
	cmd := &cobra.Command{
		Use:          "coco-keyprovider",
		Short:        "ocicrypt key provider that wraps image layer keys with KEKs held by Trustee",
		Long:         longHelp,
		Example:      examples,
		Version:      version,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), o)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	f := cmd.Flags()
	f.SortFlags = false
	f.StringVarP(&o.socket, "socket", "s", "", "IP:port to serve gRPC on, e.g. 127.0.0.1:50000 (port 0 picks a free port, logged)")
	f.StringVar(&o.kbsURL, "kbs", "", "Trustee (KBS) base URL to register every KEK in, e.g. http://127.0.0.1:8080; needs --auth-private-key")
	f.StringVarP(&o.authPrivateKey, "auth-private-key", "a", "", "Ed25519 admin private key (PKCS#8 PEM) that signs the registration tokens; needs --kbs")
	f.StringVar(&o.kbsCert, "kbs-cert", "", "PEM root certificate of an HTTPS Trustee not signed by a system CA")
	f.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	_ = cmd.MarkFlagRequired("socket")
	return cmd
}

// version is set at link time (-ldflags "-X main.version=...").
var version = "dev"
