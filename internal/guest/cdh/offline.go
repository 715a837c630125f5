package cdh

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/cocoon-cc/cocoon/internal/guest/resourceuri"
)

// Files offline_fs_kbc reads, as upstream.
var offlineFSFiles = []string{"/etc/aa-offline_fs_kbc-keys.json", "/etc/aa-offline_fs_kbc-resources.json"}

// EnvOfflineFSExtraFiles lists more files, comma-separated.
const EnvOfflineFSExtraFiles = "OFFLINE_FS_KBC_EXTRA_FILE_PATH"

// ErrResourceNotFound is returned by OfflineFS for unknown resources.
var ErrResourceNotFound = errors.New("resource not found")

// OfflineFS serves resources from local JSON maps
// {"<repo>/<type>/<tag>": "<std base64 value>"} (offline_fs_kbc), read
// once at start-up. Missing files are skipped; later files win.
type OfflineFS struct {
	resources map[string][]byte
}

// LoadOfflineFS reads the default files and then extra.
func LoadOfflineFS(extra []string) (*OfflineFS, error) {
	o := &OfflineFS{resources: map[string][]byte{}}
	for _, path := range append(append([]string(nil), offlineFSFiles...), extra...) {
		if err := o.load(path); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// SplitExtraFiles splits the value of EnvOfflineFSExtraFiles.
func SplitExtraFiles(env string) []string {
	var files []string
	for _, f := range strings.Split(env, ",") {
		if f = strings.TrimSpace(f); f != "" {
			files = append(files, f)
		}
	}
	return files
}

func (o *OfflineFS) load(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("offline_fs_kbc: %w", err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("offline_fs_kbc: %s: %w", path, err)
	}
	for k, v := range m {
		value, err := base64.StdEncoding.Strict().DecodeString(v)
		if err != nil {
			return fmt.Errorf("offline_fs_kbc: %s: value of %q is not standard base64", path, k)
		}
		o.resources[k] = value
	}
	return nil
}

// GetResource looks up a resource-plugin URI by its repo/type/tag.
func (o *OfflineFS) GetResource(_ context.Context, uri resourceuri.URI) ([]byte, error) {
	if uri.Plugin != resourceuri.DefaultPlugin || uri.Query != "" {
		return nil, fmt.Errorf("offline_fs_kbc serves only kbs:///<repo>/<type>/<tag>, not %s", uri)
	}
	v, ok := o.resources[strings.Join(uri.Path, "/")]
	if !ok {
		return nil, fmt.Errorf("offline_fs_kbc: %s: %w", uri, ErrResourceNotFound)
	}
	return append([]byte(nil), v...), nil
}
