package aa

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

const testInitData = `version = "0.1.0"
algorithm = "sha384"
[data]
"aa.toml" = '''
[token_configs.kbs]
url = "http://10.0.0.1:8080"
'''
`

func TestInitDataBoundAtStart(t *testing.T) {
	digest, err := kbs.SHA384.Sum([]byte(testInitData))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("matching TOML", func(t *testing.T) {
		a := newAgent(t, Options{Primary: &boundTEE{digest: digest}, InitData: InitData{TOML: []byte(testInitData)}})
		if !bytes.Equal(a.initData, []byte(testInitData)) {
			t.Fatal("the init-data document is not kept for attestation")
		}
	})
	t.Run("matching digest", func(t *testing.T) {
		a := newAgent(t, Options{Primary: &boundTEE{digest: digest}, InitData: InitData{Digest: digest}})
		if a.initData != nil {
			t.Fatal("a digest alone has no document to send")
		}
	})
	t.Run("TOML wins over digest", func(t *testing.T) {
		newAgent(t, Options{Primary: &boundTEE{digest: digest}, InitData: InitData{TOML: []byte(testInitData), Digest: []byte("other")}})
	})
	t.Run("unsupported TEE goes on", func(t *testing.T) {
		a := newAgent(t, Options{Primary: attester.Sample{}, InitData: InitData{TOML: []byte(testInitData)}})
		if a.initData == nil {
			t.Fatal("init-data dropped on a TEE without binding")
		}
	})
	for name, opts := range map[string]Options{
		"mismatching TOML":   {Primary: &boundTEE{digest: make([]byte, 48)}, InitData: InitData{TOML: []byte(testInitData)}},
		"mismatching digest": {Primary: &boundTEE{digest: make([]byte, 48)}, InitData: InitData{Digest: digest}},
	} {
		t.Run(name, func(t *testing.T) {
			opts.Logger, opts.EventLog = discardLogger(), testEventLog(t)
			if _, err := New(t.Context(), opts); !errors.Is(err, ErrInitDataMismatch) {
				t.Fatalf("New = %v, want ErrInitDataMismatch", err)
			}
		})
	}
	t.Run("invalid TOML", func(t *testing.T) {
		_, err := New(t.Context(), Options{Primary: attester.Sample{}, Logger: discardLogger(), InitData: InitData{TOML: []byte("algorithm = 'md5'")}})
		if err == nil {
			t.Fatal("New accepted invalid init-data")
		}
	})
}
