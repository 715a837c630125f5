package image

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/containers/image/v5/docker/reference"
	"github.com/opencontainers/go-digest"
	"go.yaml.in/yaml/v3"
)

// maxLookasideSignatures bounds how many files one digest's directory may
// offer.
const maxLookasideSignatures = 64

// SigstoreConfig is the registries.d-style YAML naming where simple
// signing signatures are stored (image-rs's sigstore_config):
// default-docker and docker.<scope>, each with sigstore (or its newer
// name lookaside); the *-staging keys are for writers and ignored.
type SigstoreConfig struct {
	DefaultDocker *SigstoreEntry           `yaml:"default-docker"`
	Docker        map[string]SigstoreEntry `yaml:"docker"`
}

// SigstoreEntry is one scope's signature store.
type SigstoreEntry struct {
	Sigstore         string `yaml:"sigstore"`
	Lookaside        string `yaml:"lookaside"`
	SigstoreStaging  string `yaml:"sigstore-staging"`
	LookasideStaging string `yaml:"lookaside-staging"`
}

// ParseSigstoreConfig parses the YAML; unknown keys are errors.
func ParseSigstoreConfig(b []byte) (*SigstoreConfig, error) {
	var c SigstoreConfig
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("sigstore config: %w", err)
	}
	return &c, nil
}

// store returns the signature store URL for named: the most specific
// docker scope (full reference, repository, parent namespaces), else
// default-docker; "" when none is configured.
func (c *SigstoreConfig) store(named reference.Named) string {
	if c == nil {
		return ""
	}
	for _, scope := range append([]string{named.String()}, policyNamespaces(named)...) {
		if e, ok := c.Docker[scope]; ok && e.url() != "" {
			return e.url()
		}
	}
	if c.DefaultDocker != nil {
		return c.DefaultDocker.url()
	}
	return ""
}

func (e SigstoreEntry) url() string {
	if e.Lookaside != "" {
		return e.Lookaside
	}
	return e.Sigstore
}

// lookasideSignatures reads every file of the store's directory for the
// repository and digest: <base>/<path without registry>@<alg>=<hex>/.
// Only file:// stores are read, as in the CDH build of image-rs.
func lookasideSignatures(store string, named reference.Named, d digest.Digest) ([][]byte, error) {
	if store == "" {
		return nil, nil
	}
	u, err := url.Parse(store)
	if err != nil {
		return nil, fmt.Errorf("signature store %q: %w", store, err)
	}
	if u.Scheme != "file" {
		return nil, fmt.Errorf("signature store %q: only file:// stores are supported", store)
	}
	repoPath := reference.Path(named)
	dir := filepath.Join(u.Path, filepath.FromSlash(repoPath)+"@"+d.Algorithm().String()+"="+d.Encoded())
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("signature store: %w", err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var sigs [][]byte
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if len(sigs) == maxLookasideSignatures {
			break
		}
		b, err := readFileLimited(filepath.Join(dir, e.Name()), maxSignatureSize)
		if err != nil {
			return nil, fmt.Errorf("signature store: %w", err)
		}
		sigs = append(sigs, b)
	}
	return sigs, nil
}
