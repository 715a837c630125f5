package image

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"
)

// layerCache keeps each layer as pulled and decrypted (still compressed),
// named by the digest of the blob in the registry, so an encrypted blob
// is reused only when it is the very same ciphertext. Entries are written
// to a temporary file and renamed in once their digest checked out.
type layerCache struct{ dir string }

func newLayerCache(dir string) (layerCache, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return layerCache{}, fmt.Errorf("layer cache: %w", err)
	}
	return layerCache{dir: dir}, nil
}

func (c layerCache) path(d digest.Digest) (string, error) {
	if err := d.Validate(); err != nil {
		return "", fmt.Errorf("layer digest %q: %w", d, err)
	}
	return filepath.Join(c.dir, d.Algorithm().String()+"-"+d.Encoded()), nil
}

func (c layerCache) has(d digest.Digest) bool {
	p, err := c.path(d)
	if err != nil {
		return false
	}
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func (c layerCache) create() (*os.File, error) {
	return os.CreateTemp(c.dir, ".partial-*")
}

// commit closes f and moves it in as d's entry.
func (c layerCache) commit(f *os.File, d digest.Digest) error {
	p, err := c.path(d)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), p)
}

// discard drops a partial entry.
func (c layerCache) discard(f *os.File) {
	_ = f.Close()
	_ = os.Remove(f.Name())
}

func (c layerCache) open(d digest.Digest) (*os.File, error) {
	p, err := c.path(d)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

// evict removes d's entry, after it failed a check.
func (c layerCache) evict(d digest.Digest) {
	if p, err := c.path(d); err == nil {
		_ = os.Remove(p)
	}
}
