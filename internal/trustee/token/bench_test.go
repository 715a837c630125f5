package token

import (
	"context"
	"strings"
	"testing"
)

func BenchmarkIssue(b *testing.B) {
	issuer := newTestIssuer(b, IssuerConfig{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := issuer.Issue(ctx, sampleSubmods); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify is a full verification: signature, key and claims.
func BenchmarkVerify(b *testing.B) {
	issuer := newTestIssuer(b, IssuerConfig{})
	token, err := issuer.Issue(context.Background(), sampleSubmods)
	if err != nil {
		b.Fatal(err)
	}
	v := newTestVerifier(b, VerifierConfig{}, WithTrustedKey(issuer.PublicKey()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.verify(token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifySettled is a token presented again, or one the co-located
// issuer signed: the KBS's case at every resource read.
func BenchmarkVerifySettled(b *testing.B) {
	issuer := newTestIssuer(b, IssuerConfig{})
	v := newTestVerifier(b, VerifierConfig{}, WithIssuer(issuer))
	ctx := context.Background()
	token, err := issuer.Issue(ctx, sampleSubmods)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeClaims decodes an issued token's claims, as the KBS does
// at the first resource request of each flow.
func BenchmarkDecodeClaims(b *testing.B) {
	for _, bc := range []struct {
		name    string
		submods map[string]Submodule
	}{{"sample", sampleSubmods}, {"tdx", tdxLikeSubmods()}} {
		b.Run(bc.name, func(b *testing.B) {
			issuer := newTestIssuer(b, IssuerConfig{})
			payload, err := issuer.appendPayload(nil, 1, 2, bc.submods)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decodeClaims(payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIssueTDX issues a token of the size and shape a TDX guest gets.
func BenchmarkIssueTDX(b *testing.B) {
	issuer := newTestIssuer(b, IssuerConfig{})
	submods := tdxLikeSubmods()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := issuer.Issue(ctx, submods); err != nil {
			b.Fatal(err)
		}
	}
}

// tdxLikeSubmods has the shape of tdx.Claims' annotated evidence: a quote
// body of 15 hex members and an event log array.
func tdxLikeSubmods() map[string]Submodule {
	hex := func(n int) string { return strings.Repeat("ab", n) }
	body := map[string]any{}
	for _, name := range []string{"tcb_svn", "mr_seam", "mrsigner_seam", "seam_attributes", "td_attributes",
		"xfam", "mr_td", "mr_config_id", "mr_owner", "mr_owner_config", "rtmr_0", "rtmr_1", "rtmr_2", "rtmr_3", "report_data"} {
		body[name] = hex(48)
	}
	var events []any
	for n := range 12 {
		events = append(events, map[string]any{
			"index": n % 4, "type": "EV_EFI_BOOT_SERVICES_APPLICATION", "details": map[string]any{"string": "grub"},
			"digests": []any{map[string]any{"alg": "SHA-384", "digest": hex(48)}},
		})
	}
	submod := sampleSubmods["cpu0"]
	submod.AnnotatedEvidence = map[string]any{
		"quote": map[string]any{
			"header": map[string]any{"version": "0400", "att_key_type": "0200", "tee_type": "81000000",
				"reserved": "00000000", "vendor_id": hex(16), "user_data": hex(20)},
			"body": body,
		},
		"td_attributes":       map[string]any{"debug": false, "septve_disable": true, "protection_keys": false, "key_locker": false, "perfmon": false},
		"report_data":         hex(64),
		"init_data":           hex(48),
		"uefi_event_logs":     events,
		"runtime_data_claims": sampleSubmods["cpu0"].AnnotatedEvidence["runtime_data_claims"],
	}
	return map[string]Submodule{"cpu0": submod}
}
