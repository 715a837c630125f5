package tpm

import (
	"encoding/base64"
	"os"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

// fuzzSeeds are real evidence pieces: upstream's fixture and a fake quote
// with an event log.
func fuzzSeeds(f *testing.F) (evidence [][]byte, messages, signatures, logs [][]byte) {
	fake := newFakeTPM(f)
	e, _ := NewAAELEvent(23, AAELEntry{"coco.com", "op", `{"a":1}`})
	fake.extend(e)
	ev := fake.evidence(f, rd("seed"))
	good, _ := ev.Marshal()
	evidence = append(evidence, good)
	up, err := os.ReadFile(upstream.Path(f, "trustee/verifier/tpm_evidence.json"))
	if err != nil {
		f.Fatal(err)
	}
	evidence = append(evidence, up)
	for _, raw := range evidence {
		p, err := ParseEvidence(raw)
		if err != nil {
			continue
		}
		m, _ := base64.StdEncoding.DecodeString(p.TPMQuote.Message)
		s, _ := base64.StdEncoding.DecodeString(p.TPMQuote.Signature)
		messages, signatures = append(messages, m), append(signatures, s)
		if l, _ := base64.StdEncoding.DecodeString(p.AAEventLog); len(l) > 0 {
			logs = append(logs, l)
		}
	}
	return evidence, messages, signatures, logs
}

func FuzzVerify(f *testing.F) {
	evidence, _, _, _ := fuzzSeeds(f)
	for _, e := range evidence {
		f.Add(e)
	}
	f.Add([]byte(`{"ak_public":"","tpm_quote":{"signature":"","message":"","pcrs":[]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		claims, err := Verify(b, Expected{ReportData: rd("seed")})
		if err == nil && claims["ak_public"] == nil {
			t.Fatal("verified evidence without an ak_public claim")
		}
	})
}

func FuzzParseAttest(f *testing.F) {
	_, messages, _, _ := fuzzSeeds(f)
	for _, m := range messages {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseAttest(b)
		if err == nil {
			for _, s := range a.Selections {
				for _, i := range s.PCRs {
					if i < 0 || i >= 8*255 {
						t.Fatalf("PCR index %d", i)
					}
				}
			}
		}
	})
}

func FuzzParseSignature(f *testing.F) {
	_, _, signatures, _ := fuzzSeeds(f)
	for _, s := range signatures {
		f.Add(s)
	}
	key := newFakeTPM(f).key
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, err := ParseSignature(b); err == nil {
			_ = s.Verify(&key.PublicKey, []byte("message"))
		}
	})
}

func FuzzParseEventLog(f *testing.F) {
	_, _, _, logs := fuzzSeeds(f)
	for _, l := range logs {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		events, err := ParseEventLog(b)
		if err != nil {
			return
		}
		var again []byte
		for _, e := range events {
			if _, err := e.AAEL(); err != nil {
				t.Fatalf("parsed event has no AAEL text: %v", err)
			}
			again, _ = e.AppendBinary(again)
		}
		if string(again) != string(b) {
			t.Fatal("event log does not round-trip")
		}
		_ = Replay(events)
	})
}
