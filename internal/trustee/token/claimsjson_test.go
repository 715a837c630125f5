package token

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"testing"
)

// referenceClaims is what decodeObject must equal: encoding/json with
// UseNumber into a map, nothing but space after it.
func referenceClaims(b []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var claims map[string]any
	if dec.Decode(&claims) != nil || claims == nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return claims, true
}

var claimsSeeds = []string{
	`{}`,
	` {"a" : [ 1 , -2.5e+3, true, false, null, {}, [] ], "b": {"c": "d"}} `,
	`{"esc":"q\"b\\s\/\u00e9\ud83d\ude00\n","utf8":"é","bad":"` + "\xff" + `","` + "\xfe" + `":1}`,
	`{"dup":1,"dup":{"x":2},"big":123456789012345678901234567890}`,
	`{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":[1,[2,{"b":[],"c":[3]}],"s"],"k1":"last"}`,
	`{"a":"b"} x`, `[]`, `null`, `{"a":}`, `{"a":"\ud800"}`, ``, `"s"`,
}

func TestDecodeObjectIsEncodingJSON(t *testing.T) {
	for _, s := range claimsSeeds {
		checkDecodeObject(t, []byte(s))
	}
}

func FuzzDecodeObject(f *testing.F) {
	for _, s := range claimsSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkDecodeObject)
}

func checkDecodeObject(t *testing.T, b []byte) {
	want, ok := referenceClaims(b)
	got, err := decodeObject(b)
	if ok != (err == nil) || !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeObject(%q) = %#v, %v; encoding/json %#v, %v", b, got, err, want, ok)
	}
}
