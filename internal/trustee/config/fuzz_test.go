package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

// FuzzParse: any bytes give a config or an error, never a panic, and an
// accepted config always passes Validate again.
func FuzzParse(f *testing.F) {
	up := upstream.Dir(f)
	files, err := filepath.Glob(filepath.Join(up, "trustee/kbs/configs/*.toml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no upstream configs: %v", err)
	}
	files = append(files, filepath.Join(up, "guest-components/kbs_protocol/kbs-config.toml"))
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(plainHTTP + "[[plugins]]\nname = 'resource'\ntype = 'LocalFs'\n[admin]\ntype = 'Simple'\n"))
	f.Add([]byte("[admin]\nauthorization_mode = 'AuthenticatedAuthorization'\nauthorization.regex_acl.acls = [{role='a', allowed_endpoints='^/kbs/a$|.*$'}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if err != nil {
			if cfg != nil {
				t.Fatal("config returned with an error")
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted config fails Validate: %v", err)
		}
	})
}
