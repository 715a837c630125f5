package token

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"testing"
	"time"
)

// The hand-written payload must be byte for byte what encoding/json writes
// for the same claims. These types are that reference: the payload as a
// struct in upstream's member order, each submodule as an ordered object
// of json.Marshal'd members.
type (
	refPayload struct {
		Profile    string                  `json:"eat_profile"`
		IssuedAt   int64                   `json:"iat"`
		VerifierID refVerifierID           `json:"ear.verifier-id"`
		Submods    map[string]refSubmodule `json:"submods"`
		Expiry     int64                   `json:"exp"`
		Issuer     string                  `json:"iss"`
	}
	refVerifierID struct {
		Developer string `json:"developer"`
		Build     string `json:"build"`
	}
	refSubmodule Submodule
)

func (s refSubmodule) MarshalJSON() ([]byte, error) {
	type member struct {
		name  string
		value any
	}
	// The vector's own encoding is pinned by TestTrustVectorMarshalsAllClaimsInAR4SIOrder.
	vector := json.RawMessage(appendTrustVector(nil, s.TrustVector))
	members := []member{{claimStatus, Status(s.TrustVector)}, {claimTrustVector, vector}}
	if s.PolicyID != "" {
		members = append(members, member{claimPolicyID, s.PolicyID})
	}
	if len(s.AnnotatedEvidence) > 0 {
		members = append(members, member{claimAnnotatedEvidence, s.AnnotatedEvidence})
	}
	for _, name := range slices.Sorted(maps.Keys(s.Extensions)) {
		members = append(members, member{name, s.Extensions[name]})
	}
	buf := bytes.NewBufferString("{")
	for i, m := range members {
		if i > 0 {
			buf.WriteByte(',')
		}
		key, _ := json.Marshal(m.name)
		value, err := json.Marshal(m.value)
		if err != nil {
			return nil, err
		}
		buf.Write(key)
		buf.WriteByte(':')
		buf.Write(value)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// awkwardValues are claim values of every kind, escapes and fallbacks
// included.
var awkwardValues = map[string]any{
	"plain":     "abc",
	"escapes":   "q\"b\\n\n<t>&\x01\u2028\u00e9\xff",
	"key<&>\n":  true,
	"numbers":   []any{1, int64(-7), 1.5, 1e21, json.Number("12345678901234567890"), uint8(3), float32(0.1)},
	"nulls":     []any{nil, map[string]any(nil), []any(nil)},
	"empty":     []any{map[string]any{}, []any{}, ""},
	"nested":    map[string]any{"b": map[string]any{"a": []any{"x", false}}},
	"typed":     map[string]string{"z": "1", "a": "<"},
	"raw":       json.RawMessage(` { "a" : [ 1 , "<" ] } `),
	"bytes":     []byte("bin"),
	"struct":    struct{ A int }{A: 1},
	"é unicode": "ü",
}

func TestAppendValueIsEncodingJSON(t *testing.T) {
	for name, v := range awkwardValues {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendValue([]byte("prefix"), v)
		if err != nil || string(got) != "prefix"+string(want) {
			t.Errorf("%s: got %s, %v\nwant prefix%s", name, got, err, want)
		}
	}
	if _, err := appendValue(nil, map[string]any{"a": math.NaN()}); err == nil {
		t.Error("NaN encoded")
	}
}

func TestPayloadIsEncodingJSON(t *testing.T) {
	issuer := newTestIssuer(t, IssuerConfig{IssuerName: "iss<&>", BuildName: "b\"uild"})
	submods := map[string]Submodule{
		"cpu0": sampleSubmods["cpu0"],
		"gpu0": {TrustVector: map[string]int{"hardware": 97}, AnnotatedEvidence: awkwardValues, Extensions: map[string]any{"z.ext": 1, "a.ext": awkwardValues}},
		"x<1>": {PolicyID: "p&", Extensions: map[string]any{"ear.trustee.identifiers": []any{"a"}}},
	}
	now := time.Unix(1700000000, 0)
	ref := refPayload{
		Profile: issuer.cfg.ProfileName, IssuedAt: now.Unix(),
		VerifierID: refVerifierID{Developer: issuer.cfg.DeveloperName, Build: issuer.cfg.BuildName},
		Submods:    map[string]refSubmodule{}, Expiry: now.Unix() + 300, Issuer: issuer.cfg.IssuerName,
	}
	for name, s := range submods {
		ref.Submods[name] = refSubmodule(s)
	}
	want, err := json.Marshal(ref)
	if err != nil {
		t.Fatal(err)
	}
	got, err := issuer.appendPayload(nil, now.Unix(), now.Unix()+300, submods)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("got  %s, %v\nwant %s", got, err, want)
	}
	for name, s := range submods {
		got, err := json.Marshal(s)
		if want, _ := json.Marshal(refSubmodule(s)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("submodule %s: got %s, %v\nwant %s", name, got, err, want)
		}
	}
}

// FuzzAppendValue: any string content, as key or value, encodes as
// encoding/json encodes it.
func FuzzAppendValue(f *testing.F) {
	f.Add("key", "value")
	f.Add("<\u2028>", "\xff\x00\"\\&")
	f.Fuzz(func(t *testing.T, key, value string) {
		v := map[string]any{key: []any{value, map[string]any{value: key}}}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendValue(nil, v)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("got %s, %v\nwant %s", got, err, want)
		}
	})
}
