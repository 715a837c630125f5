package restapi

import (
	"maps"
	"strings"
	"testing"
)

func TestParseQuery(t *testing.T) {
	for raw, want := range map[string]map[string]string{
		"":                      {},
		"a=1&b=2":               {"a": "1", "b": "2"},
		"a=1&a=2":               {"a": "2"},
		"a":                     {"a": ""},
		"a=":                    {"a": ""},
		"=v":                    {"": "v"},
		"&&a=b=c&":              {"a": "b=c"},
		"a+b=c+d":               {"a b": "c d"},
		"a=%2B%20%41%6a":        {"a": "+ Aj"},
		"a=%zz%4%":              {"a": "%zz%4%"},
		"a=%ff":                 {"a": "\uFFFD"},
		"%72untime_data=x":      {"runtime_data": "x"},
		"a=;b":                  {"a": ";b"},
		"a=\xe2\x82&b=\xc3\xa9": {"a": "\uFFFD", "b": "é"},
	} {
		if got := parseQuery(raw); !maps.Equal(got, want) {
			t.Errorf("parseQuery(%q) = %q, want %q", raw, got, want)
		}
	}
}

// lossyUTF8 replaces maximal subparts as Rust's from_utf8_lossy does; the
// cases are Unicode's own examples (chapter 3, U+FFFD substitution).
func TestLossyUTF8(t *testing.T) {
	const r = "\uFFFD"
	for in, want := range map[string]string{
		"plain é":                              "plain é",
		"\xe2\x82":                             r,
		"\xf0\x90\x80":                         r,
		"\xed\xa0\x80":                         r + r + r, // a surrogate is not a maximal subpart
		"\xc0\xaf":                             r + r,
		"a\xf4\x90\x80\x80b":                   "a" + r + r + r + r + "b",
		"\xe1\x80\xe2\xf0\x91\x92\xf1\xbf\x41": r + r + r + r + "A",
		"\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63": "a" + r + r + r + "b" + r + "c",
		"\xff\xfe": r + r,
	} {
		if got := lossyUTF8([]byte(in)); got != want {
			t.Errorf("lossyUTF8(%x) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitAtSecondSlash(t *testing.T) {
	for _, tc := range []struct{ in, head, tail string }{
		{"/cdh/resource/default/", "/cdh", "/resource/default/"},
		{"/aa/token", "/aa", "/token"},
		{"//x", "/", "/x"},
		{"/a/", "/a", "/"},
		{"a/b/c", "a/b", "/c"},
	} {
		head, tail, ok := splitAtSecondSlash(tc.in)
		if !ok || head != tc.head || tail != tc.tail {
			t.Errorf("splitAtSecondSlash(%q) = %q, %q, %v", tc.in, head, tail, ok)
		}
	}
	for _, in := range []string{"", "/", "/info", "abc"} {
		if _, _, ok := splitAtSecondSlash(in); ok {
			t.Errorf("splitAtSecondSlash(%q) split", in)
		}
	}
}

func TestDecodeRuntimeData(t *testing.T) {
	enc := func(s string) *string { return &s }
	for _, tc := range []struct {
		value    string
		encoding *string
		want     string
		ok       bool
	}{
		{"hello", nil, "hello", true},
		{"cmVwb3J0", enc("base64"), "report", true},
		{"", enc("base64"), "", true},
		{"-_8", enc("base64"), "\xfb\xff", true},
		{"data", enc("hex"), "", false},
		{"!!!", enc("base64"), "", false},
		{"cmVwb3J0", enc("BASE64"), "", false},
		{"cmVwb3I=", enc("base64"), "", false},   // padding
		{"cmVwb3J", enc("base64"), "", false},    // non-zero trailing bits
		{"cmVw\nb3J0", enc("base64"), "", false}, // Go would skip the newline
		{"+/8", enc("base64"), "", false},        // standard, not URL-safe
	} {
		got, err := decodeRuntimeData(tc.value, tc.encoding)
		if (err == nil) != tc.ok || tc.ok && string(got) != tc.want {
			t.Errorf("decodeRuntimeData(%q, %v) = %q, %v", tc.value, tc.encoding, got, err)
		}
	}
}

func TestParseFeature(t *testing.T) {
	for _, s := range []string{"resource", "attestation", "all"} {
		if f, err := ParseFeature(s); err != nil || string(f) != s {
			t.Errorf("ParseFeature(%q) = %q, %v", s, f, err)
		}
	}
	for _, s := range []string{"", "Resource", "resource,attestation", "none"} {
		if _, err := ParseFeature(s); err == nil || !strings.Contains(err.Error(), "resource, attestation, all") {
			t.Errorf("ParseFeature(%q) = %v", s, err)
		}
	}
}
