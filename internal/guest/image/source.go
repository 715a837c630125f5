package image

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cocoon-cc/cocoon/internal/guest/resourceuri"
)

// maxResourceSize bounds policies, keys, credentials and configurations.
const maxResourceSize = 4 << 20

// load returns the bytes a kbs:/// URI, a file:// URI or an absolute path
// names, as image-rs's resource provider reads keyPath and the *_uri keys.
func (p *Puller) load(ctx context.Context, uri string) ([]byte, error) {
	if resourceuri.IsResourceURI(uri) {
		u, err := resourceuri.Parse(uri)
		if err != nil {
			return nil, err
		}
		if p.opts.Resources == nil {
			return nil, fmt.Errorf("%s: %w", uri, errNoResources)
		}
		b, err := p.opts.Resources.GetResource(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("get %s: %w", uri, err)
		}
		return b, nil
	}
	path := strings.TrimPrefix(uri, "file://")
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("%q: want kbs:///..., file:///... or an absolute path", uri)
	}
	return readFileLimited(path, maxResourceSize)
}

// loadOrInline is load(uri) when uri is set, else inline (nil when empty).
func (p *Puller) loadOrInline(ctx context.Context, uri, inline string) ([]byte, error) {
	if uri != "" {
		return p.load(ctx, uri)
	}
	if inline == "" {
		return nil, nil
	}
	return []byte(inline), nil
}

func readFileLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read-only
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return b, nil
}
