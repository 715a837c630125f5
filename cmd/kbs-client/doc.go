// Command kbs-client is the tenant's and the administrator's command line
// for a Key Broker Service (Trustee or Cocoon's trustee). Its commands and
// flags follow upstream Trustee's kbs-client so existing scripts keep
// working:
//
//	kbs-client [--url URL] [--cert-file PEM] attest [--tee-key-file F] [--init-data F | INIT_DATA]
//	kbs-client [--url URL] get-resource --path repo/type/tag [--tee-key-file F] [--attestation-token F] [--init-data F | INIT_DATA] [--output F]
//	kbs-client [--url URL] config [--auth-private-key F | --admin-token-file F] <set-attestation-policy | set-resource-policy |
//	    get-resource-policy | set-resource | delete-resource | get-reference-value | set-sample-reference-value>
//
// Differences from upstream, all deliberate:
//   - get-resource --output F writes the raw resource to F (mode 0600)
//     instead of printing it base64-encoded.
//   - The init-data document can be given as a file (--init-data F) as
//     well as inline as upstream's positional argument.
//   - set-resource-policy --default uploads Cocoon Trustee's default
//     policy (release resources only when every EAR submodule is
//     affirming, never to the sample TEE). Upstream's kbs-client uploads
//     its deny-all policy for --default, which contradicts its own help
//     text, and upstream's server default ignores the appraisal result.
//   - The preset policies are Cocoon's own Rego, with upstream's meaning.
//   - config accepts both admin credentials of upstream's history:
//     --auth-private-key (an Ed25519 key that signs a fresh token, as
//     Trustee v0.16's kbs-client) and --admin-token-file (a bearer token,
//     as Trustee HEAD). Without either it reads ~/.trustee/admin-token and
//     otherwise fails, rather than sending anonymous admin requests.
//   - Successful config commands do not echo the uploaded resource.
//
// Without TEE hardware support in this build, attestation uses the sample
// attester, whose evidence proves nothing; a warning says so on stderr.
package main
