package ccel

import (
	"encoding/hex"
	"reflect"
	"testing"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Cases from upstream's parser unit tests.
func TestDevicePaths(t *testing.T) {
	cases := []struct {
		data string
		want []string
	}{
		{"1800b37c0000000000a2a5000000000000000000000000002a000000000000000403140072f728144ab61e44b8c39ebdd7f893c7040412006b00650072006e0065006c0000007fff0400",
			[]string{"VenMedia(1428F772-B64A-441E-B8C3-9EBDD7F893C7,)", "File(kernel)"}},
		{"18406a7d0000000008c00e00000000000000000000000000820000000000000002010c00d041030a0000000001010600000101010600000001010600000101010600000004012a000f000000002800000000000000500300000000005e27f1007553d5439eb5de2add4c99320202040430005c004500460049005c0042004f004f0054005c0042004f004f0054005800360034002e0045004600490000007fff0400",
			[]string{"ACPI(PNP0A03,0)", "Pci(0,1)", "Pci(0,0)", "Pci(0,1)", "Pci(0,0)", "HD(15,GPT,00F1275E-5375-43D5-9EB5-DE2ADD4C9932,0x2800,0x35000)", `File(\EFI\BOOT\BOOTX64.EFI)`}},
		{"009d9b7a000000008879e4000000000000000000000000000000000000000000", nil},
	}
	for _, c := range cases {
		d, err := bootServicesAppDetails(mustHex(t, c.data))
		if err != nil || !reflect.DeepEqual(d.DevicePaths, c.want) {
			t.Errorf("device paths = %q, %v; want %q", d.DevicePaths, err, c.want)
		}
	}
}

func TestNodes(t *testing.T) {
	cases := []struct {
		typ, sub byte
		data     string
		want     string
	}{
		{3, 5, "0000", "USB(0,0)"},
		{3, 11, "001320f5fa77000000000000000000000000000000000000000000000000000001", "Mac(001320F5FA77,0x01)"},
		{3, 12, "0100A8C06400A8C00000BC0C0600010000000000000000", "IPv4(192.168.0.100,TCP,Static,192.168.0.1)"},
		{3, 21, "00010203040506070001020304050607", "FibreEx(0x0001020304050607,0x0001020304050607)"},
		{5, 1, "0500000000", "BBS(USB,,0)"},
		{5, 1, "F0FF000000", "BBS(65520,,0)"},
		{5, 1, "8000000041424300", "BBS(DEV,ABC,0)"},
	}
	for _, c := range cases {
		if got, err := formatNode(c.typ, c.sub, mustHex(t, c.data)); err != nil || got != c.want {
			t.Errorf("formatNode(%d,%d,%s) = %q, %v; want %q", c.typ, c.sub, c.data, got, err, c.want)
		}
	}
	if _, err := formatNode(3, 9, []byte("0000")); err == nil {
		t.Error("unknown messaging subtype rendered")
	}
}

func TestDescriptionAndVariable(t *testing.T) {
	d, err := descriptionDetails(mustHex(t, "095464785461626c65000100000000000000af96bb93f2b9b84e9462e0ba745642360090800000000000"))
	if err != nil || *d.String != "TdxTable" {
		t.Errorf("description = %v, %v", d, err)
	}
	for _, bad := range []string{"", "0F", "0F74645f7061796c6f61640000109000000000000000001000000000", "3774645f7061796c6f61640000109000000000000000001000000000", "00"} {
		if _, err := descriptionDetails(mustHex(t, bad)); err == nil {
			t.Errorf("description %q accepted", bad)
		}
	}
	v, err := efiVariableDetails(mustHex(t, "61dfe48bca93d211aa0d00e098032b8c0900000000000000020000000000000042006f006f0074004f0072006400650072000000"))
	if err != nil || *v.UnicodeName != "BootOrder" || *v.VariableData != "AAA=" || *v.VariableName != "61dfe48b-ca93-d211-aa0d-00e098032b8c" {
		t.Errorf("variable = %+v, %v", v, err)
	}
	for _, bad := range []string{"", "61dfe48bca93d211aa0d00e098032b8c", "61dfe48bca93d211aa0d00e098032b8c0a000000000000000000000000000000"} {
		if _, err := efiVariableDetails(mustHex(t, bad)); err == nil {
			t.Errorf("variable %q accepted", bad)
		}
	}
}

// TestLossyUTF8 checks Rust's from_utf8_lossy replacement rule.
func TestLossyUTF8(t *testing.T) {
	cases := map[string]string{
		"ab":                 "ab",
		"\xff\xff":           "\uFFFD\uFFFD",
		"\xe2\x82":           "\uFFFD",
		"\xe2\x82a":          "\uFFFDa",
		"\xf0\x9f\x98":       "\uFFFD",
		"\xed\xa0\x80":       "\uFFFD\uFFFD\uFFFD",
		"a\xc3":              "a\uFFFD",
		"\xf4\x90\x80\x80":   "\uFFFD\uFFFD\uFFFD\uFFFD",
		"\xe2\x82\xac\x80ok": "€\uFFFDok",
	}
	for in, want := range cases {
		if got := lossyUTF8([]byte(in)); got != want {
			t.Errorf("lossyUTF8(%q) = %q, want %q", in, got, want)
		}
	}
}
