// Package imagetool is what cocoon-image copy does: copy an image between
// transports (docker://, oci:DIR[:TAG], dir:PATH), encrypting layers with
// ocicrypt and signing the result, the way skopeo copy does it but with
// key providers (Debian's skopeo is built with ocicrypt 1.0.3, older than
// the key-provider protocol).
//
// Registry access, manifest conversion and blob storage are
// containers/image's transports; layer encryption is containers/ocicrypt,
// which reaches coco-keyprovider through OCICRYPT_KEYPROVIDER_CONFIG. The
// copy loop itself is here, not containers/image/copy: that package
// imports containers/image/signature, which needs cgo and libgpgme unless
// every build passes the containers_image_openpgp tag. Keeping it out
// keeps "go build ./..." tag-free and cgo-free; the few things it would
// have done for us are here in small files: streaming blobs with digest
// checks, the manifest update, sigstore attachments and GPG simple
// signing through the gpg command.
//
// Layers are streamed one at a time, never held in memory; every source
// blob is checked against its digest while it streams.
package imagetool
