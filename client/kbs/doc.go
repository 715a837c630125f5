// Package kbs is a Go client of the Key Broker Service (KBS) of Trustee,
// wire-compatible with upstream Rust Trustee and guest-components.
//
// Client runs the attestation handshake (RCAR, protocol 0.4.0), caches the
// attestation token and fetches resources, which the KBS encrypts to the
// client's ephemeral TEE key. GetResourceWithToken fetches with a token
// obtained elsewhere (the "passport" mode the guest's data hub uses). Admin
// drives the administration API (policies, resources, reference values).
//
// The client never logs tokens, keys, evidence or resource contents.
package kbs
