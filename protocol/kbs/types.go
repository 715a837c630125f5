// Package kbs holds the wire types of the KBS attestation protocol (RCAR,
// protocol version 0.4.0) exactly as upstream Trustee and guest-components
// serialise them, the runtime-data binding, and the JWE used for resources.
//
// Key casing is part of the wire contract: the outer objects use kebab-case
// ("runtime-data", "tee-pubkey"), while the composite evidence inside
// "tee-evidence" uses snake_case ("primary_evidence", "additional_evidence").
package kbs

import (
	"encoding/json"
)

// ProtocolVersion is the only RCAR protocol version Trustee accepts.
const ProtocolVersion = "0.4.0"

// Tee names a trusted execution environment as kbs-types serialises it.
type Tee string

// The TEE names of kbs-types. Note "hygondcu" has no hyphen.
const (
	TeeAzSnpVtpm    Tee = "az-snp-vtpm"
	TeeAzTdxVtpm    Tee = "az-tdx-vtpm"
	TeeNvidia       Tee = "nvidia"
	TeeSgx          Tee = "sgx"
	TeeSnp          Tee = "snp"
	TeeTdx          Tee = "tdx"
	TeeCca          Tee = "cca"
	TeeCsv          Tee = "csv"
	TeeSe           Tee = "se"
	TeeHygonDcu     Tee = "hygondcu"
	TeeTpm          Tee = "tpm"
	TeeSample       Tee = "sample"
	TeeSampleDevice Tee = "sampledevice"
)

// KnownTees lists every TEE name the protocol defines.
var KnownTees = []Tee{
	TeeAzSnpVtpm, TeeAzTdxVtpm, TeeNvidia, TeeSgx, TeeSnp, TeeTdx, TeeCca,
	TeeCsv, TeeSe, TeeHygonDcu, TeeTpm, TeeSample, TeeSampleDevice,
}

// Valid reports whether t is a TEE name the protocol defines.
func (t Tee) Valid() bool {
	for _, k := range KnownTees {
		if t == k {
			return true
		}
	}
	return false
}

// Request is the body of POST /kbs/v0/auth.
type Request struct {
	Version string `json:"version"`
	Tee     Tee    `json:"tee"`
	// ExtraParams is arbitrary JSON; guest-components sends
	// {"supported-hash-algorithms":[...]} and older clients send "".
	ExtraParams json.RawMessage `json:"extra-params"`
}

// Challenge is the body answered by /auth.
type Challenge struct {
	// Nonce is standard base64 (padded) of 32 random bytes.
	Nonce string `json:"nonce"`
	// ExtraParams is the JSON string "" unless hash negotiation applies.
	ExtraParams json.RawMessage `json:"extra-params"`
}

// Attestation is the body of POST /kbs/v0/attest.
type Attestation struct {
	InitData    *InitData         `json:"init-data,omitempty"`
	RuntimeData RuntimeData       `json:"runtime-data"`
	TeeEvidence CompositeEvidence `json:"tee-evidence"`
}

// InitData carries the init-data document in plaintext; only "toml" is defined.
type InitData struct {
	Format string `json:"format"`
	Body   string `json:"body"`
}

// RuntimeData binds the attestation to the session and to the TEE key.
type RuntimeData struct {
	Nonce     string    `json:"nonce"`
	TeePubKey TeePubKey `json:"tee-pubkey"`
}

// CompositeEvidence is the evidence of the primary TEE plus, as a JSON string,
// a map from TEE name to the evidence of each additional device ("" when none).
type CompositeEvidence struct {
	PrimaryEvidence    json.RawMessage `json:"primary_evidence"`
	AdditionalEvidence string          `json:"additional_evidence"`
}

// TeePubKey is the public half of the TEE's ephemeral key as a JWK. Only the
// members of its key type are set; empty members are not serialised.
type TeePubKey struct {
	Kty string `json:"kty"`
	Alg string `json:"alg"`
	// EC keys.
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	// RSA keys.
	N string `json:"n,omitempty"`
	E string `json:"e,omitempty"`
}

// AttestationResponse is the body answered by /attest.
type AttestationResponse struct {
	Token string `json:"token"`
}

// Response is a JWE in flattened JSON serialisation, the body of a resource.
type Response struct {
	Protected    string `json:"protected"`
	EncryptedKey string `json:"encrypted_key"`
	AAD          string `json:"aad,omitempty"`
	IV           string `json:"iv"`
	Ciphertext   string `json:"ciphertext"`
	Tag          string `json:"tag"`
}

// ErrorInformation is the body of every KBS error response.
type ErrorInformation struct {
	Type   string `json:"type"`
	Detail string `json:"detail"`
}

// ErrorTypePrefix starts the "type" of every ErrorInformation.
const ErrorTypePrefix = "https://github.com/confidential-containers/kbs/errors/"

// SessionCookie is the name of the cookie that carries the RCAR session id.
const SessionCookie = "kbs-session-id"

// Key-management algorithms of the TEE key.
const (
	AlgECDHESA256KW = "ECDH-ES+A256KW"
	AlgRSAOAEP256   = "RSA-OAEP-256"
	AlgRSA15        = "RSA1_5"
	EncA256GCM      = "A256GCM"
)
