// Package aa is the attestation-agent of a Confidential Containers guest:
// it serves attestation_agent.AttestationAgentService (ttRPC on a unix
// socket; also gRPC on TCP in an agent built with -tags grpc) to
// kata-agent, the confidential-data-hub and api-server-rest,
// wire-compatible with upstream guest-components.
//
// Start-up follows upstream: detect the TEE and additional devices, bind
// the init-data digest to the TEE (a mismatch is fatal; a TEE without
// binding logs and goes on), open the AAEL event log when
// eventlog_config.enable_eventlog is set, then serve.
//
// # What is cached, and for how long
//
// Evidence is never cached: every GetEvidence and GetAdditionalEvidence
// asks the TEE again.
//
// GetToken("kbs") keeps one KBS client for the life of the process. The
// client holds one TEE key pair (tee_key_algorithm, generated on the first
// call, kept in memory only) and the last attestation token. A token is
// returned again, with the same key, while its "nbf" has passed and its
// "exp" is more than 30 seconds away; after that the next call attests
// again (a full RCAR with fresh evidence, the init-data and the same
// key). A token without "exp" is never reused. So with Trustee's default
// 5-minute tokens the agent attests at most about once every 4.5 minutes
// however often CDH asks, where upstream attests, with a new key, on every
// call.
//
// A KBS may stop honouring a token before its "exp" (after rotating its
// token key, or restarting with a new one). Cocoon's CDH, asking again
// after a 401, names the refused token in the ttRPC request metadata
// RejectedTokenMetadata (hex SHA-256 of the JWT; the request itself is
// upstream's). When that is the cached token the agent drops it and
// attests again; any other digest (a token another caller already got
// replaced) gets the current cache. Upstream's CDH never sends it: with
// it, a refused cached token is only replaced at expiry.
//
// GetToken("coco_as") is not cached, as upstream.
package aa
