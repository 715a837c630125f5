// Package eventlog keeps the attestation-agent's runtime event log (AAEL)
// in upstream guest-components' current format: each event is one binary
// TCG2 "crypto-agile" record of type EV_EVENT_TAG whose data is a tagged
// event with id "AAEL" wrapping the text "<domain> <operation> <content>".
// Every record is appended together with an extend of a TEE measurement
// register by the record's digest, so a verifier can replay the log.
//
// A write-ahead file makes the pair (register extend, log append) survive
// a crash of the agent between the two: on the next start Open finishes
// the interrupted event or refuses to start if the register moved in a way
// the log cannot explain.
package eventlog
