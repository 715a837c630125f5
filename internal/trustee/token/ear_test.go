package token

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestStatusFollowsEARTiers(t *testing.T) {
	cases := []struct {
		vector map[string]int
		want   string
	}{
		{nil, "none"},
		{map[string]int{"hardware": 0}, "none"},
		{map[string]int{"hardware": 1, "executables": -1}, "none"},
		{map[string]int{"hardware": 2}, "affirming"},
		{map[string]int{"hardware": 31}, "affirming"},
		{map[string]int{"hardware": -2}, "affirming"},
		{map[string]int{"hardware": -32}, "affirming"},
		{map[string]int{"hardware": 32}, "warning"},
		{map[string]int{"hardware": 95}, "warning"},
		{map[string]int{"hardware": -33}, "warning"},
		{map[string]int{"hardware": -96}, "warning"},
		{map[string]int{"hardware": 96}, "contraindicated"},
		{map[string]int{"hardware": -97}, "contraindicated"},
		{map[string]int{"hardware": 2, "executables": 33, "configuration": 97}, "contraindicated"},
		{map[string]int{"hardware": 2, "executables": 3, "configuration": 2}, "affirming"},
	}
	for _, c := range cases {
		if got := Status(c.vector); got != c.want {
			t.Errorf("Status(%v) = %q, want %q", c.vector, got, c.want)
		}
	}
}

func TestTrustVectorMarshalsAllClaimsInAR4SIOrder(t *testing.T) {
	got := appendTrustVector(nil, map[string]int{"hardware": 97, "executables": 33})
	want := `{"instance-identity":0,"configuration":0,"executables":33,"file-system":0,` +
		`"hardware":97,"runtime-opaque":0,"storage-opaque":0,"sourced-data":0}`
	if string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func TestSubmoduleMarshalOrderAndOmissions(t *testing.T) {
	got, err := json.Marshal(Submodule{
		TrustVector: map[string]int{"hardware": 2},
		Extensions:  map[string]any{"z.ext": 1, "a.ext": "x"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// No policy id and no annotated evidence: both omitted, as the ear crate does.
	wantPrefix := `{"ear.status":"affirming","ear.trustworthiness-vector":{`
	wantSuffix := `},"a.ext":"x","z.ext":1}`
	if !bytes.HasPrefix(got, []byte(wantPrefix)) || !bytes.HasSuffix(got, []byte(wantSuffix)) {
		t.Errorf("got %s", got)
	}
}

func TestSubmoduleValidation(t *testing.T) {
	bad := []Submodule{
		{TrustVector: map[string]int{"firmware": 2}},
		{TrustVector: map[string]int{"hardware": 128}},
		{TrustVector: map[string]int{"hardware": -129}},
		{Extensions: map[string]any{"ear.status": "affirming"}},
	}
	for _, s := range bad {
		if err := s.validate(); err == nil {
			t.Errorf("validate(%+v) accepted", s)
		}
	}
}
