package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/cocoon-cc/cocoon/internal/trustee/admin"
	"github.com/cocoon-cc/cocoon/internal/trustee/config"
	"github.com/cocoon-cc/cocoon/internal/trustee/token"
)

// Files of the development server's data directory.
const (
	adminKeyFile = "admin.key"
	adminPubFile = "admin.pub"
	tokenKeyFile = "token.key"
)

// devConfig is the configuration of the zero-config development server.
// Keys are created on first start and kept across restarts.
func devConfig(o *options, logger *slog.Logger) (*config.Config, *devBanner, error) {
	dir, err := filepath.Abs(o.dataDir)
	if err != nil {
		return nil, nil, fmt.Errorf("--data-dir: %w", err)
	}
	created, err := ensureDevKeys(dir)
	if err != nil {
		return nil, nil, err
	}
	cfg := config.Default(dir)
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("development configuration: %w", err)
	}
	logger.Warn("development server: plain HTTP, no configuration file", slog.String("data_dir", dir))
	return cfg, &devBanner{dir: dir, created: created}, nil
}

// ensureDevKeys creates the admin key pair and the token signing key unless
// they exist; it reports whether it created any.
func ensureDevKeys(dir string) (bool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("data directory: %w", err)
	}
	created := false
	if !exists(filepath.Join(dir, adminKeyFile)) {
		priv, pub, err := admin.GenerateKeyPair()
		if err != nil {
			return false, err
		}
		if err := writeNew(filepath.Join(dir, adminKeyFile), priv, 0o600); err != nil {
			return false, err
		}
		if err := os.WriteFile(filepath.Join(dir, adminPubFile), pub, 0o644); err != nil {
			return false, fmt.Errorf("admin public key: %w", err)
		}
		created = true
	}
	if !exists(filepath.Join(dir, adminPubFile)) {
		return false, fmt.Errorf("%s exists without %s: restore it or remove both", adminKeyFile, adminPubFile)
	}
	if !exists(filepath.Join(dir, tokenKeyFile)) {
		key, err := token.GenerateSigningKeyPEM()
		if err != nil {
			return false, err
		}
		if err := writeNew(filepath.Join(dir, tokenKeyFile), key, 0o600); err != nil {
			return false, err
		}
		created = true
	}
	return created, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// writeNew writes a secret to a file that must not exist yet.
func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// devBanner tells the developer where the keys are and what to run next.
type devBanner struct {
	dir     string
	created bool // the keys were made on this start
}

func (b *devBanner) print(w io.Writer, url string) error {
	dir := b.dir
	state := "Using the keys in"
	if b.created {
		state = "Created new keys in"
	}
	_, err := fmt.Fprintf(w, `Cocoon Trustee development server (plain HTTP, do not expose it)
%s %s:
  admin private key   %s   (signs admin API calls; keep it secret)
  admin public key    %s
  token signing key   %s
  data                %s

Store a secret, then fetch it from a guest:
  kbs-client --url %s config --auth-private-key %s set-resource --path default/key/1 --resource-file ./secret

`, state, dir,
		filepath.Join(dir, adminKeyFile), filepath.Join(dir, adminPubFile), filepath.Join(dir, tokenKeyFile),
		filepath.Join(dir, "storage"), url, filepath.Join(dir, adminKeyFile))
	return err
}
