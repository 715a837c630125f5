// Package policy evaluates Trustee's Rego policies on OPA: the Attestation
// Service's appraisal policies (data.policy.trust_claims and
// data.policy.extensions, turned into an AR4SI trust vector) and the KBS
// resource policy (data.policy.allow).
//
// Policies arrive as text at run time, so the Engine compiles each distinct
// text once and caches the prepared query under the text and the policy
// kind. Reference values are converted to OPA terms once per distinct JSON
// text, and evaluations skip OPA's per-call metrics and result conversion.
// A policy that calls no clock-reading or random built-in has its results
// remembered by the exact input it reads (memo.go): a fleet of guests
// presents the same measurements, and a repeat costs a map lookup plus a
// fresh read of each reference value the result depended on.
//
// # Rego versions
//
// Upstream Trustee evaluates with regorus, which accepts both Rego syntaxes,
// and its shipped policies mix them: `import rego.v1` modules, v1 modules
// without that import (`allow if` in policy_1.rego) and v0 modules
// (`allow { ... }`, `future.keywords` imports). A module is therefore
// compiled as Rego v1 first and, only if that fails, as Rego v0. v1 goes
// first because v0-only syntax (a rule body without `if`, a partial set
// without `contains`) never parses as v1, so a module that compiles as v1 is
// unambiguous, while plenty of v1 modules do not parse as v0. When both
// attempts fail, the reported errors are those of the syntax the author most
// likely meant: v0 when v1 complained about missing `if`/`contains`
// keywords, v1 otherwise.
//
// # Hardening
//
// Modules compile in OPA strict mode (unused variables and imports,
// deprecated built-ins and shadowed input/data are errors; every upstream
// policy passes). Built-ins that reach the network or the host (http.send,
// net.lookup_ip_addr, opa.runtime) are removed from the capabilities: regorus
// never offered them, and a policy uploaded through the admin API must not
// turn the Attestation Service into a network client.
package policy
