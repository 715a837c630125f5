package nvidia

import (
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
)

func TestVBIOSVersion(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{[]byte{0x00, 0x9f, 0x00, 0x96, 0x01, 0x00, 0x00, 0x00}, "96.00.9f.00.01"},
		{[]byte{0xab}, ".ab"},
		{[]byte{0x01, 0x02, 0x03}, "01.02"},
	} {
		got, err := vbiosVersion(c.in)
		if err != nil || got != c.want {
			t.Errorf("vbiosVersion(%x) = %v, %v; want %s", c.in, got, err, c.want)
		}
	}
	if _, err := vbiosVersion(nil); err == nil {
		t.Error("empty vbios version accepted")
	}
}

// TestLossyUTF8 follows Rust's from_utf8_lossy: one U+FFFD per maximal
// ill-formed subsequence.
func TestLossyUTF8(t *testing.T) {
	for in, want := range map[string]string{
		"550.90.07":          "550.90.07",
		"a\xffb":             "a\uFFFDb",
		"\xff\xfe":           "\uFFFD\uFFFD",
		"\xe2\x82A":          "\uFFFDA",
		"\xf0\x9f\x98":       "\uFFFD",
		"\xe0\x80":           "\uFFFD\uFFFD", // E0 needs A0..BF next
		"\xed\xa0\x80":       "\uFFFD\uFFFD\uFFFD",
		"ok\xc3\xa9\x00\x00": "ok\u00e9\x00\x00",
	} {
		if got := lossyUTF8([]byte(in)); got != want {
			t.Errorf("lossyUTF8(%q) = %q, want %q", in, got, want)
		}
	}
}

func item(typ uint16, data []byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, typ)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(data)))
	return append(b, data...)
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestParseOpaqueData(t *testing.T) {
	required := concat(item(3, []byte("550.90.07\x00")), item(6, []byte{0, 0x9f, 0, 0x96, 1, 0, 0, 0}))
	got, err := parseOpaqueData(concat(required,
		item(12, []byte{1, 0, 0, 0, 0x82, 0, 0, 0}),
		item(22, []byte{1, 2, 3, 4, 5, 6, 7, 8}),
		item(34, []byte{2}),
		item(36, []byte{2, 0}),
		item(19, []byte{0, 0}),
		item(20, nil), // an empty item whose header ends the data is skipped, as upstream
	))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"driver_version":      "550.90.07",
		"vbios_version":       "96.00.9f.00.01",
		"measurement_count":   map[string]any{"1": uint32(1), "2": uint32(0x82)},
		"switch_pdi":          []any{"0102030405060708"},
		"opaque_data_version": uint64(2),
		"feature_flag":        "PPCIE",
		"project_sku_mod":     "0000",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseOpaqueData = %#v\nwant %#v", got, want)
	}

	for name, in := range map[string][]byte{
		"unknown type":      concat(required, item(26, []byte{1})),
		"repeated type":     concat(required, item(3, []byte("x"))),
		"no vbios version":  item(3, []byte("550")),
		"overflow":          concat(required, item(4, []byte{1, 2})[:5]),
		"bad count length":  concat(required, item(12, []byte{1, 2, 3})),
		"bad pdi length":    concat(required, item(22, []byte{1})),
		"integer too large": concat(required, item(34, make([]byte, 9))),
	} {
		if _, err := parseOpaqueData(in); !errors.Is(err, ErrInvalidReport) {
			t.Errorf("%s: parseOpaqueData = %v, want %v", name, err, ErrInvalidReport)
		}
	}
}
