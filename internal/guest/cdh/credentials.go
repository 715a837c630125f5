package cdh

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/cocoon-cc/cocoon/internal/guest/resourceuri"
	"github.com/cocoon-cc/cocoon/internal/guest/secret"
)

// FetchCredentials fetches every [[credentials]] item from the KBS and
// writes it to its path below dir (CredentialsDir in production), as
// upstream does at start-up; any failure stops the start. Files are
// written through os.Root, so a symbolic link cannot lead outside dir.
func FetchCredentials(ctx context.Context, creds []Credential, dir string, resources secret.ResourceGetter, log *slog.Logger) error {
	if len(creds) == 0 {
		return nil
	}
	for _, c := range creds {
		if err := c.validate(dir); err != nil {
			return fmt.Errorf("credential: %w", err)
		}
	}
	// Fetch everything first, so a refusal leaves the file system untouched.
	contents := make([][]byte, len(creds))
	defer func() {
		for _, c := range contents {
			clear(c)
		}
	}()
	for i, c := range creds {
		uri, err := resourceuri.Parse(c.ResourceURI)
		if err != nil {
			return fmt.Errorf("credential %s: %w", c.ResourceURI, err)
		}
		if contents[i], err = resources.GetResource(ctx, uri); err != nil {
			return fmt.Errorf("credential %s: %w", uri, err)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("credentials directory: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("credentials directory: %w", err)
	}
	defer func() { _ = root.Close() }()
	for i, c := range creds {
		if err := writeBelow(root, strings.TrimPrefix(c.Path, dir+"/"), contents[i]); err != nil {
			return fmt.Errorf("credential %s to %s: %w", c.ResourceURI, c.Path, err)
		}
		log.InfoContext(ctx, "credential written", "uri", c.ResourceURI, "path", c.Path)
	}
	return nil
}

func writeBelow(root *os.Root, rel string, data []byte) error {
	if parent := filepath.Dir(rel); parent != "." {
		if err := root.MkdirAll(parent, 0o700); err != nil {
			return err
		}
	}
	return root.WriteFile(rel, data, 0o600)
}
