package cdh

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

func FuzzParseConfig(f *testing.F) {
	f.Add(upstream.Read(f, "guest-components/cdh/example.config.toml"), false)
	f.Add(upstream.Read(f, "guest-components/cdh/example.config.json"), true)
	f.Add([]byte("[kbc]\nname = \"offline_fs_kbc\"\n[[credentials]]\nresource_uri = \"kbs:///a/b/c\"\npath = \"/run/confidential-containers/cdh/kbs/x\"\n"), false)
	f.Fuzz(func(t *testing.T, b []byte, isJSON bool) {
		format := "toml"
		if isJSON {
			format = "json"
		}
		c, err := ParseConfig(b, format)
		if err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("error %v is not ErrConfig", err)
			}
			return
		}
		if c.KBC == nil {
			t.Fatal("accepted a config without [kbc]")
		}
		for _, cr := range c.Credentials {
			if !strings.HasPrefix(cr.Path, CredentialsDir+"/") || strings.Contains(cr.Path, "/../") {
				t.Fatalf("accepted credential path %q", cr.Path)
			}
		}
	})
}

func FuzzParseAnnotationPacket(f *testing.F) {
	f.Add(upstream.Read(f, "guest-components/cdh/annotation-packet-v1.json"))
	f.Add(upstream.Read(f, "guest-components/cdh/sample_kbc_annotation.json"))
	f.Add([]byte(`{"version":"0.1.0","provider":"kbs","kid":"kbs:///a/b/c","wrapped_data":"AAAA","iv":"AAAAAAAAAAAAAAAA","wrap_type":"A256CTR"}`))
	res := offlineFSFrom(f, map[string]string{"a/b/c": base64.StdEncoding.EncodeToString(make([]byte, 32))})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseAnnotationPacket(b)
		if err != nil {
			if !errors.Is(err, ErrAnnotationPacket) {
				t.Fatalf("error %v is not ErrAnnotationPacket", err)
			}
			return
		}
		_, _ = p.Unwrap(context.Background(), res)
	})
}

func FuzzParseUnwrapRequest(f *testing.F) {
	f.Add(keyUnwrapRequest(upstream.Read(f, "guest-components/cdh/sample_kbc_annotation.json")))
	f.Add([]byte(`{"op":"keyunwrap","keywrapparams":{},"keyunwrapparams":{"annotation":null}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := parseUnwrapRequest(b); err != nil && !errors.Is(err, errKeyProviderInput) {
			t.Fatalf("error %v is not errKeyProviderInput", err)
		}
	})
}

func TestUnwrapReplyEncoding(t *testing.T) {
	if got := string(unwrapReply([]byte{0, 7, 255})); got != `{"keyunwrapresults":{"optsdata":[0,7,255]}}` {
		t.Fatalf("got %s", got)
	}
	if got := string(unwrapReply(nil)); got != `{"keyunwrapresults":{"optsdata":[]}}` {
		t.Fatalf("got %s", got)
	}
}
