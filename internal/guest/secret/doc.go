// Package secret reads and writes sealed secrets, the format kata-agent
// hands to the Confidential Data Hub for environment variables and files
// whose value starts with "sealed.":
//
//	sealed.<b64url(JWS header)>.<b64url(secret JSON)>.<b64url(ES256 signature)>
//
// The header is {"alg":"ES256","kid":"<kid>"}; the signature is P-256
// ECDSA (r||s, 64 bytes) over "<header>.<payload>" as received. The kid
// names the verification key, a P-256 JWK: a resource URI (kbs:///...)
// fetched from the KBS, or otherwise a file under the local key directory.
//
// The secret JSON has version "0.1.0" and a type:
//
//   - "vault": the plaintext is the resource named by "name" (provider
//     "kbs"), fetched from the KBS.
//   - "envelope": "encrypted_data" is encrypted (A256GCM with the tag
//     appended, or A256CTR) under a data key that "encrypted_key" wraps.
//     Upstream unwraps the data key with a cloud KMS; Cocoon adds the
//     provider "kbs", where key_id is the resource URI of a 32-byte key
//     encryption key in the KBS and encrypted_key is
//     b64(nonce(12) || AES-256-GCM(KEK, data key) || tag). Upstream CDH does
//     not know this provider.
//
// With verification switched off (upstream's skip_sealed_secret_verification)
// the signature is not checked and the legacy unsigned form
// "sealed.fakejwsheader.<payload>.fakesignature" is accepted; never
// otherwise.
package secret
