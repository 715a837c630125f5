package tpm

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Claim names, as upstream's TPM verifier emits them; policy reads them
// as input.tpm.<name>.
const (
	ClaimAKPublic   = "ak_public"
	ClaimReportData = "report_data"
	ClaimInitData   = "init_data"
	// ClaimEventLog holds the AAEL events in the shape upstream gives
	// AAEL entries of a TDX CCEL, so that event policies carry over.
	ClaimEventLog = "uefi_event_logs"
)

// PCRClaim is the claim name of PCR i: "pcr00" ... "pcr23".
func PCRClaim(i int) string { return fmt.Sprintf("pcr%02d", i) }

// claims are upstream's: ak_public as sent, report_data the nonce in hex,
// init_data PCR 8 in hex, and pcrNN for each quoted PCR. Unquoted PCRs get
// no claim, since nothing vouches for them.
func (q *quote) claims() (map[string]any, error) {
	claims := map[string]any{
		ClaimAKPublic:   q.akPublicB64,
		ClaimReportData: hex.EncodeToString(q.attest.ExtraData),
	}
	for _, i := range q.quoted {
		claims[PCRClaim(i)] = hex.EncodeToString(q.pcrs[i][:])
		if i == InitDataPCR {
			claims[ClaimInitData] = hex.EncodeToString(q.pcrs[i][:])
		}
	}
	if len(q.events) > 0 {
		events, err := eventClaims(q.events)
		if err != nil {
			return nil, err
		}
		claims[ClaimEventLog] = events
	}
	return claims, nil
}

func eventClaims(events []Event) ([]any, error) {
	out := make([]any, 0, len(events))
	for _, e := range events {
		entry, err := e.AAEL()
		if err != nil {
			return nil, err
		}
		out = append(out, map[string]any{
			"index":     e.PCR,
			"type_name": "EV_EVENT_TAG",
			"digests": []any{map[string]any{
				"alg": "SHA-256", "digest": hex.EncodeToString(e.Digest[:]),
			}},
			"event":                base64.StdEncoding.EncodeToString(e.Data),
			"digest_matches_event": true,
			"details": map[string]any{
				"unicode_name": "AAEL",
				"string":       entry.Domain + " " + entry.Operation + " " + entry.Content,
				"data": map[string]any{
					"domain":    entry.Domain,
					"operation": entry.Operation,
					"content":   contentClaim(entry.Content),
				},
			},
		})
	}
	return out, nil
}

// contentClaim is the content as JSON when it parses, else the string, as
// upstream's AAEL parser does.
func contentClaim(content string) any {
	dec := json.NewDecoder(bytes.NewReader([]byte(content)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return content
	}
	return v
}
