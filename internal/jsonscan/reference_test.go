package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// seeds are the corners of encoding/json's syntax and of member reading;
// they seed the fuzz targets and run as tests (the nesting limit, too slow
// to fuzz from, is TestDepthLimit's).
var seeds = []string{
	`{}`, ` { "a" : [ 1 , -2.5e+3, true, false, null, {}, [] ] , "b": {"c": "d"} } `,
	`{"a":1,"a":{"x":2},"A":3}`, `{"\u0061":"\u00e9\ud83d\ude00\/\b\f\n\r\t\"\\"}`, `{"a":"\ud800"}`,
	"{\"\xff\":\"\xfe\",\"é\":\"ü\"}", "{\"a\":\"\x01\"}", "{\"a\":\"\x7f\"}", `{"a":"\q"}`, `{"a":"\u12G4"}`,
	`{"a":1e400}`, `{"a":[-1e-400]}`, `{"a":123456789012345678901234567890}`, `{"a":1.7976931348623157e308}`,
	`{"a":01}`, `{"a":-}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":+1}`, `{"a":-0}`, `{"a":1E+2}`,
	`{"a":1,}`, `{,"a":1}`, `{"a" 1}`, `{"a":1 "b":2}`, `{"a":1}x`, `{"a":1}}`, `{"a":1`, `{"a"`, `{1:2}`,
	`{"a":[1,]}`, `{"a":[,1]}`, `{"a":tru}`, `{"a":nulll}`, `{"a":[1 2]}`,
	`null`, ` null `, `nul`, `"s"`, `1`, `true`, `[]`, `[{"a":1}]`, ``, ` `, "\t{\r\n}\r\n", `{}` + "\v",
}

// checkValue fails t when the scanner, over data as bytes and as a
// string, does not accept exactly what json.Valid accepts, or returns
// other than the value's text.
func checkValue(t *testing.T, data []byte) {
	t.Helper()
	want := json.Valid(data)
	raw, err := wholeValue(data)
	rawString, errString := wholeValue(string(data))
	if (err == nil) != want || (errString == nil) != want {
		t.Fatalf("%q: errors %v and %v, json.Valid %t", data, err, errString, want)
	}
	if want && (!bytes.Equal(raw, bytes.Trim(data, " \t\r\n")) || string(raw) != rawString) {
		t.Fatalf("%q: value %q and %q", data, raw, rawString)
	}
}

func wholeValue[T Input](data T) (T, error) {
	s := New(data)
	s.SkipSpace()
	raw, err := s.Value()
	if err == nil {
		err = s.End()
	}
	return raw, err
}

// member is a top-level member: its unescaped name and raw value.
type member struct {
	name  string
	value []byte
}

// referenceMembers reads the top-level members of data with encoding/json:
// an error for what json.Valid refuses, ErrNotObject, or the members in
// order as its Decoder reads them.
func referenceMembers(data []byte) ([]member, error) {
	if !json.Valid(data) {
		return nil, errors.New("invalid JSON")
	}
	switch bytes.TrimLeft(data, " \t\r\n")[0] {
	case 'n':
		return nil, nil
	case '{':
	default:
		return nil, ErrNotObject
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var members []member
	dec.Token() // '{'
	for dec.More() {
		name, _ := dec.Token()
		var value json.RawMessage
		dec.Decode(&value)
		members = append(members, member{name.(string), value})
	}
	return members, nil
}

// scanned reads the top-level members of data with Members.
func scanned[T Input](data T) ([]member, error) {
	var members []member
	err := Members(data, func(name, value T) error {
		text, err := Text(name)
		members = append(members, member{string(text), []byte(value)})
		return err
	})
	return members, err
}

// checkMembers fails t when Members, over data as bytes and as a string,
// reads other members than encoding/json or accepts what it refuses, or
// when Text unescapes a string value otherwise.
func checkMembers(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := referenceMembers(data)
	for _, read := range []func([]byte) ([]member, error){scanned[[]byte], func(b []byte) ([]member, error) { return scanned(string(b)) }} {
		got, err := read(data)
		if (err == nil) != (wantErr == nil) || err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: members %q, %v; encoding/json %q, %v", data, got, err, want, wantErr)
		}
	}
	for _, m := range want {
		var s string
		if m.value[0] != '"' || json.Unmarshal(m.value, &s) != nil {
			continue
		}
		if text, err := Text(m.value[1 : len(m.value)-1]); err != nil || string(text) != s {
			t.Fatalf("Text(%s) = %q, %v; encoding/json %q", m.value, text, err, s)
		}
	}
}

// checkMapMembers fails t when Members with RefuseFloatOverflow accepts
// other than json.Unmarshal into a map[string]any, or reads other values
// for the map's keys.
func checkMapMembers(t *testing.T, data []byte) {
	t.Helper()
	var want map[string]any
	wantErr := json.Unmarshal(data, &want)
	s := New(data)
	s.RefuseFloatOverflow = true
	got := map[string]any{}
	err := s.Members(func(name, value []byte) error {
		key, err := Text(name)
		if err != nil {
			return err
		}
		var v any
		err = json.Unmarshal(value, &v)
		got[string(key)] = v // the last of a repeated name wins, as in a map
		return err
	})
	if want == nil {
		want = map[string]any{} // null: no members
	}
	if (err == nil) != (wantErr == nil) || err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: members %v, %v; json.Unmarshal into a map %v, %v", data, got, err, want, wantErr)
	}
}

func TestMatchesEncodingJSON(t *testing.T) {
	for _, seed := range seeds {
		checkValue(t, []byte(seed))
		checkMembers(t, []byte(seed))
		checkMapMembers(t, []byte(seed))
	}
}

func FuzzValue(f *testing.F) {
	for _, seed := range seeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(checkValue)
}

func FuzzMembers(f *testing.F) {
	for _, seed := range seeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(checkMembers)
}

func FuzzMapMembers(f *testing.F) {
	for _, seed := range seeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(checkMapMembers)
}
