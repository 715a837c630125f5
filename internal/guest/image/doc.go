// Package image pulls container images inside the guest, the job
// image-rs does for guest-components' Confidential Data Hub.
//
// Pull reads top to bottom:
//
//  1. the reference is expanded by the registry configuration (a
//     registries.conf subset: mirrors first, then the remapped or original
//     location, unqualified-search registries for short names; blocked
//     registries refused);
//  2. the manifest is fetched over the containers/image docker transport
//     (HTTPS with extra roots, plain HTTP for insecure registries,
//     credentials from an auth.json), a list resolved to this platform;
//  3. the image security policy (containers-policy.json as image-rs reads
//     it) is evaluated against the reference the caller asked for: reject,
//     insecureAcceptAnything, signedBy (GPG simple signing, signatures from
//     the lookaside of the sigstore configuration) and sigstoreSigned
//     (cosign key, signatures attached in the registry). A rejected image
//     is never unpacked;
//  4. layers missing from the content-addressed cache under the work
//     directory are streamed: download, digest check, decryption
//     (ocicrypt's AES-CTR-HMAC with the key unwrapped from the layer's
//     AnnotationPacket through a KeyUnwrapper), into the cache;
//  5. each layer, in order, is decompressed (gzip, zstd), checked against
//     its diff_id and unpacked into a staging root that becomes
//     bundle/rootfs only when every layer passed. Paths never leave the
//     root: parent directories are resolved with chroot semantics and every
//     operation goes through os.Root. Whiteouts and opaque directories
//     delete from lower layers; device nodes and xattrs are skipped;
//  6. bundle/config.json is generated from the image config.
//
// Nothing is held in memory beyond fixed-size buffers: blobs stream from
// the network to disk and from disk into the root.
package image
