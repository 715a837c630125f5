package keyprovider

import (
	"context"
	"testing"
)

func FuzzParseWrapRequest(f *testing.F) {
	f.Add(ocicryptRequest(f, "keyid=kbs:///default/key/1::algorithm=A256GCM", []byte(`{"symkey":"AAAA"}`)))
	f.Add([]byte(`{"op":"keywrap","keywrapparams":{"ec":{"Parameters":{"attestation-agent":[""]}},"optsdata":""}}`))
	f.Add([]byte(`{"op":"keywrap","keywrapparams":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		optsData, params, err := parseWrapRequest(b)
		if err != nil {
			return
		}
		// What parses is wrapped (with a KEK file that does not exist,
		// so nothing is registered or read) without panicking.
		_ = optsData
		_, _ = ParseParams(params)
		_, _ = NewService(nil, nil).WrapKey(context.Background(), b)
	})
}

func FuzzParseParams(f *testing.F) {
	for _, s := range []string{
		"keyid=kbs:///default/key/1::algorithm=A256CTR", "keypath=/k::keyid=/a/b/c", "sample=true",
		"::=::", "keyid=kbs+p://h/a/b/c?q=%zz", "algorithm=", "keyid=a/b/c/d",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseParams(s)
		if err != nil {
			return
		}
		if _, err := p.Algorithm.IVSize(); err != nil {
			t.Fatalf("%q parsed with algorithm %q", s, p.Algorithm)
		}
		if p.KID == "" {
			t.Fatalf("%q parsed without a kid", s)
		}
	})
}
