// Package cdh is the Confidential Data Hub: the guest service that hands
// secrets to the workload and to kata-agent over ttRPC, wire-compatible
// with guest-components' CDH.
//
// One unix socket carries upstream's five services:
//
//   - api.GetResourceService/GetResource: a KBS resource by resource URI.
//   - api.SealedSecretService/UnsealSecret: a signed sealed secret (see
//     package secret).
//   - keyprovider.KeyProviderService/UnWrapKey: an image layer key from its
//     AnnotationPacket (v1 or v2, provider kbs). WrapKey is refused, as
//     upstream.
//   - api.ImagePullService/PullImage: the image pulled, verified, decrypted
//     (keys unwrapped in-process as UnWrapKey does) and unpacked into
//     bundle_path/rootfs by package image; the manifest digest is answered
//     and recorded in the AAEL through the attestation-agent.
//   - api.SecureMountService/SecureMount: not supported yet; it answers
//     NOT_FOUND "<path> is not supported", the status upstream's generated
//     code gives unimplemented methods.
//
// Failures answer INTERNAL "[CDH] [ERROR]: <error>", as upstream.
//
// Resources come from the KBS in passport mode: the attestation-agent's
// GetToken("kbs") gives a token and the TEE key it is bound to; the KBS
// answers a Bearer request with the resource encrypted to that key. One
// token and key are cached and shared by all calls until the KBS answers
// 401 (then the CDH asks for a new token, naming the refused one so that
// the agent does not answer it from its cache, and retries, 3 attempts in
// all) or until 30 s before the token's exp. Resources are never cached.
// Upstream CDH at HEAD attests once per call; this is the deliberate fix.
package cdh
