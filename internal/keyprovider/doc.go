// Package keyprovider is the tenant-side ocicrypt key provider that
// coco-keyprovider serves: keyprovider.KeyProviderService/WrapKey over
// gRPC, wire-compatible with guest-components' coco_keyprovider, so that
// ocicrypt (containers/ocicrypt >= 1.1, skopeo >= 1.10, cocoon-image)
// reached through OCICRYPT_KEYPROVIDER_CONFIG encrypts image layers whose
// keys only Trustee releases.
//
// For every layer ocicrypt sends the layer key options (the
// PrivateLayerBlockCipherOptions JSON) and the recipient parameters of
// provider "attestation-agent", "<k>=<v>" pairs joined by "::":
//
//	keyid=kbs:///<repo>/<type>/<tag>  resource URI of the KEK (also
//	                                  kbs://<host>/..., <host>/<repo>/<type>/<tag>
//	                                  and /<repo>/<type>/<tag>)
//	keypath=<file>                    the 32-byte raw KEK; else a random one
//	algorithm=A256GCM|A256CTR         how the KEK wraps the options; A256GCM by default
//
// WrapKey encrypts the options with the KEK under a fresh IV, registers
// the KEK in Trustee at the keyid's path through the admin API when a
// Registrar is configured, and answers the AnnotationPacket JSON
// {"kid","wrapped_data","iv","wrap_type"} that the guest's CDH unwraps
// (see internal/guest/cdh). UnWrapKey answers UNIMPLEMENTED, as upstream:
// unwrapping is the guest's job.
//
// One KEK per keyid per process: the first layer wrapped for a keyid
// registers its KEK (keypath's, or a random one), and every later layer
// for that keyid is wrapped with the same KEK without registering again,
// so all layers of an image unwrap with the one key Trustee holds. (A
// KEK per call would replace the resource at each layer, leaving only
// the last layer decryptable.) A keypath KEK other than the one already
// registered for the keyid is refused. The KEKs stay in the process's
// memory until it exits. Nothing is remembered across processes: a new
// coco-keyprovider wrapping for a keyid already in the KBS registers a
// new KEK there, which replaces the resource, and images encrypted
// earlier for that keyid can no longer be decrypted. Use a keyid per
// image (or per release), or keypath= with one kept KEK file. Without
// keyid each layer gets its own kid, kbs:///default/image-kek/<uuid>,
// and its own KEK.
//
// Upstream's known bugs, fixed here on purpose (no peer depends on them):
//
//   - algorithm was read from the keypath value, so A256CTR was silently
//     ignored: here algorithm is honoured, and an unknown value is an error
//     rather than a silent A256GCM.
//   - without keyid the kid was /default/image-kek/<uuid>, which has no
//     kbs:// scheme and which CDH therefore rejects: the default kid here
//     is kbs:///default/image-kek/<uuid>, and a bare /<repo>/<type>/<tag>
//     keyid is written into the packet as kbs:///<repo>/<type>/<tag>.
//   - the KEK registration's HTTP status was not checked, so an image
//     could be encrypted under a key Trustee never stored: here any
//     non-2xx answer (or a network error) fails WrapKey, and with it the
//     encryption.
//
// Deliberate refusals: a random KEK without registration (nobody could
// ever decrypt the image), sample=true (upstream's hard-coded, public
// key), unknown parameters (a misspelt name must not go
// unnoticed), and more than one attestation-agent recipient per layer (one
// packet holds one kid).
package keyprovider
