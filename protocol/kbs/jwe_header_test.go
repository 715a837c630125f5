package kbs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// mapHeader is the protected header as the previous parser read it, one
// json.Unmarshal into a map[string]any: the reference the scanner must
// match on every input.
type mapHeader struct {
	alg, enc []byte
	epk      map[string]any
	apu, apv []byte
}

func parseHeaderViaMap(raw []byte) (mapHeader, error) {
	var h mapHeader
	var members map[string]any
	if err := json.Unmarshal(raw, &members); err != nil {
		return h, err
	}
	for _, unsupported := range []string{"zip", "crit"} {
		if _, ok := members[unsupported]; ok {
			return h, fmt.Errorf("unsupported member %q", unsupported)
		}
	}
	var err error
	if h.alg, err = mapStringMember(members, "alg"); err != nil {
		return h, err
	}
	if h.enc, err = mapStringMember(members, "enc"); err != nil {
		return h, err
	}
	if epk, ok := members["epk"]; ok {
		if h.epk, ok = epk.(map[string]any); !ok {
			return h, errors.New("epk is not an object")
		}
	}
	for _, m := range []struct {
		name string
		dst  *[]byte
	}{{"apu", &h.apu}, {"apv", &h.apv}} {
		if _, ok := members[m.name]; !ok {
			continue
		}
		s, err := mapStringMember(members, m.name)
		if err != nil {
			return h, err
		}
		if *m.dst, err = decodeB64URL(m.name, string(s)); err != nil {
			return h, err
		}
	}
	return h, nil
}

func mapStringMember(members map[string]any, name string) ([]byte, error) {
	v, ok := members[name]
	if !ok {
		return nil, fmt.Errorf("missing %q", name)
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("%q is not a string", name)
	}
	return []byte(s), nil
}

// checkHeaderAgainstMap fails t when parseProtectedHeader and the map
// reference differ on raw: accept or reject, or any value read.
func checkHeaderAgainstMap(t *testing.T, raw []byte) {
	t.Helper()
	got, err := parseProtectedHeader(raw)
	want, wantErr := parseHeaderViaMap(raw)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("header %q: error %v, encoding/json map %v", raw, err, wantErr)
	}
	if err != nil {
		return
	}
	for _, m := range []struct {
		name      string
		got, want []byte
	}{{"alg", got.alg, want.alg}, {"enc", got.enc, want.enc}, {"apu", got.apu, want.apu}, {"apv", got.apv, want.apv}} {
		if !bytes.Equal(m.got, m.want) {
			t.Fatalf("header %q: %s = %q, encoding/json map %q", raw, m.name, m.got, m.want)
		}
	}
	if (got.epk == nil) != (want.epk == nil) {
		t.Fatalf("header %q: epk %q, encoding/json map %v", raw, got.epk, want.epk)
	}
	if got.epk == nil {
		return
	}
	var values [4][]byte
	if err := scanMembers(got.epk, epkMembers, values[:]); err != nil {
		t.Fatalf("header %q: epk members: %v", raw, err)
	}
	for i, name := range epkMembers {
		s, err := stringValue(values[i], name)
		wantS, wantErr := mapStringMember(want.epk, name)
		if (err == nil) != (wantErr == nil) || !bytes.Equal(s, wantS) {
			t.Fatalf("header %q: epk %s = %q, %v; encoding/json map %q, %v", raw, name, s, err, wantS, wantErr)
		}
	}
}

// headerSeeds are the headers our keys and go-jose emit, and the corners
// of encoding/json's map decoding.
func headerSeeds(tb testing.TB) [][]byte {
	seeds := [][]byte{
		[]byte(`{"alg":"RSA-OAEP-256","enc":"A256GCM"}`),
		[]byte(` { "enc" : "A256GCM" , "alg" : "x" , "kid" : [1, {"a": null}, true, false, -0.5e+3] } `),
		[]byte(`{"alg":"a","alg":"b","enc":1,"enc":"A256GCM"}`),
		[]byte(`{"\u0061lg":"\u0041","enc":"\ud800\u00e9\/","ALG":1}`),
		[]byte("{\"alg\":\"\xff\xfe\",\"enc\":\"e\",\"\xffalg\":2}"),
		[]byte(`{"alg":"a","enc":"e","epk":{"kty":"EC","kty":"OKP","crv":null,"x":"AA","y":["y"]}}`),
		[]byte(`{"alg":"a","enc":"e","epk":{"kty":"EC"},"epk":"x"}`),
		[]byte(`{"alg":"a","enc":"e","epk":null}`),
		[]byte(`{"alg":"a","enc":"e","apu":"YWxpY2U","apv":""}`),
		[]byte(`{"alg":"a","enc":"e","apu":null}`),
		[]byte(`{"alg":"a","enc":"e","apu":"a+b"}`),
		[]byte(`{"alg":"a","enc":"e","zip":null}`),
		[]byte(`{"alg":"a","enc":"e","crit":[]}`),
		[]byte(`{"alg":"a","enc":"e","x":[1e400]}`),
		[]byte(`{"alg":"a","enc":"e","x":{"y":-1e-400}}`),
		[]byte(`{"alg":"a","enc":"e"} x`),
		[]byte(`{"alg":"a","enc":"e",}`),
		[]byte(`{"alg":"a\"}","enc":"\\"}`),
		[]byte(`null`),
		[]byte(` null `),
		[]byte(`[]`),
		[]byte(`"alg"`),
		[]byte(`1e400`),
		[]byte(``),
		[]byte(strings.Repeat("[", 10001) + strings.Repeat("]", 10001)),
		[]byte(`{"alg":"a","enc":"e","d":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`),
	}
	for _, k := range testKeys(tb) {
		resp, err := Encrypt(k.PublicKey(), []byte("seed"))
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, mustB64(tb, resp.Protected))
	}
	return seeds
}

func TestParseProtectedHeaderMatchesMapDecoding(t *testing.T) {
	for _, raw := range headerSeeds(t) {
		checkHeaderAgainstMap(t, raw)
	}
}

// The semantics the map decoding gave, pinned explicitly.
func TestParseProtectedHeaderSemantics(t *testing.T) {
	for _, tc := range []struct {
		header, alg, enc string
	}{
		{`{"alg":"a","enc":"e","kid":"unknown members are ignored"}`, "a", "e"},
		{`{"alg":"first","alg":"a","enc":"e"}`, "a", "e"},
		{`{"alg":1,"alg":"a","enc":"e"}`, "a", "e"},
		{`{"\u0061lg":"\u0061","enc":"e"}`, "a", "e"},
		{"{\"alg\":\"a\xff\",\"enc\":\"e\"}", "a\ufffd", "e"},
		{`{"alg":"a","enc":"e","epk":{"kty":"EC"}}`, "a", "e"},
	} {
		h, err := parseProtectedHeader([]byte(tc.header))
		if err != nil || string(h.alg) != tc.alg || string(h.enc) != tc.enc {
			t.Errorf("%s: alg %q enc %q, %v; want %q %q", tc.header, h.alg, h.enc, err, tc.alg, tc.enc)
		}
	}
	for _, header := range []string{
		`{"ALG":"a","enc":"e"}`,
		`{"alg":"a","alg":1,"enc":"e"}`,
		`{"alg":"a","enc":null}`,
		`{"alg":"a","enc":"e","zip":"DEF"}`,
		`{"alg":"a","enc":"e","crit":null}`,
		`{"alg":"a","enc":"e","epk":[]}`,
		`{"alg":"a","enc":"e","apv":"YQ=="}`,
		`{"alg":"a","enc":"e","n":1e309}`,
		`{"alg":"a","enc":"e"}{}`,
		`null`,
		`["alg"]`,
	} {
		if _, err := parseProtectedHeader([]byte(header)); err == nil {
			t.Errorf("%s: accepted", header)
		}
	}
}

func FuzzProtectedHeader(f *testing.F) {
	for _, seed := range headerSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(checkHeaderAgainstMap)
}

// The emitted header is byte for byte what json.Marshal made of the
// previous struct, for every key kind and the kbs-types test vector.
func TestProtectedHeaderMatchesJSONMarshal(t *testing.T) {
	type ephemeralKey struct {
		Crv string `json:"crv"`
		Kty string `json:"kty"`
		X   string `json:"x"`
		Y   string `json:"y"`
	}
	type marshalled struct {
		Alg string        `json:"alg"`
		Enc string        `json:"enc"`
		Epk *ephemeralKey `json:"epk,omitempty"`
	}
	headers := []protectedHeader{{alg: "fakealg", enc: "fakeenc"}}
	for _, k := range testKeys(t) {
		h := protectedHeader{alg: k.Algorithm(), enc: EncA256GCM}
		if k.ecdh != nil {
			h.crv, h.epk = k.curve, k.ecdh.PublicKey().Bytes()
		}
		headers = append(headers, h)
	}
	for _, h := range headers {
		m := marshalled{Alg: h.alg, Enc: h.enc}
		if h.epk != nil {
			size := h.crv.size
			m.Epk = &ephemeralKey{Crv: h.crv.name, Kty: ktyEC, X: b64.EncodeToString(h.epk[1 : 1+size]), Y: b64.EncodeToString(h.epk[1+size:])}
		}
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if got := h.appendJSON(nil); !bytes.Equal(got, want) {
			t.Errorf("header %s, json.Marshal %s", got, want)
		}
		if got := h.appendJSON(make([]byte, 0, maxHeaderSize)); cap(got) != maxHeaderSize {
			t.Errorf("header %s outgrows maxHeaderSize %d", got, maxHeaderSize)
		}
	}
}
