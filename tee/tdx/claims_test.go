package tdx

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/ccel"
)

// TestClaimsMatchUpstream is upstream's parse_tdx_claims: tdx_quote_4.dat
// with CCEL_data gives parse_tdx_claims_expected.json exactly.
func TestClaimsMatchUpstream(t *testing.T) {
	q := mustParseQuote(t, "tdx_quote_4.dat")
	pck, err := ParsePCKChain(q.PCKChain)
	if err != nil {
		t.Fatal(err)
	}
	log, err := ccel.Parse(upstream.Read(t, "trustee/verifier/CCEL_data"))
	if err != nil {
		t.Fatal(err)
	}
	got := jsonValue(t, Claims(q, pck, log))
	var want any
	if err := json.Unmarshal(upstream.Read(t, "trustee/verifier/parse_tdx_claims_expected.json"), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		b, _ := json.MarshalIndent(got, "", " ")
		t.Fatalf("claims differ from upstream; got:\n%.4000s", b)
	}
}

func TestClaimsV5(t *testing.T) {
	q := mustParseQuote(t, "tdx_quote_5.dat")
	c := Claims(q, nil, nil)
	quote := c["quote"].(map[string]any)
	body := quote["body"].(map[string]any)
	if quote["type"] != "0300" || quote["size"] != "88020000" || quote["header"].(map[string]any)["version"] != "0500" {
		t.Errorf("v5 quote claims = type %v size %v header %v", quote["type"], quote["size"], quote["header"])
	}
	if len(body["tee_tcb_svn2"].(string)) != 32 || len(body["mr_servicetd"].(string)) != 96 {
		t.Errorf("TDX 1.5 body claims missing: %v", body)
	}
	if _, ok := c["uefi_event_logs"]; ok {
		t.Error("uefi_event_logs claimed without an event log")
	}
}

func jsonValue(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
