package cdh

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/guest/resourceuri"
)

func slog0() *slog.Logger { return slog.New(slog.DiscardHandler) }

func mustURI(t testing.TB, s string) resourceuri.URI {
	t.Helper()
	u, err := resourceuri.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// offlineFSFrom is an offline_fs_kbc over one file holding m.
func offlineFSFrom(t testing.TB, m map[string]string) *OfflineFS {
	t.Helper()
	path := filepath.Join(t.TempDir(), "resources.json")
	b, _ := json.Marshal(m)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := LoadOfflineFS([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	return o
}
