package imagetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"testing"
)

// BuildCommands builds the command packages (module-relative, e.g.
// "./cmd/trustee") into dir with one go build from the module root and
// returns each binary's path by command name. Call it from TestMain.
func BuildCommands(dir string, pkgs ...string) (map[string]string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return nil, err
	}
	// go test puts its own toolchain first on PATH.
	cmd := exec.CommandContext(context.Background(), "go", append([]string{"build", "-o", dir + string(filepath.Separator)}, pkgs...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build: %w\n%s", err, out)
	}
	bins := map[string]string{}
	for _, pkg := range pkgs {
		name := path.Base(pkg)
		bins[name] = filepath.Join(dir, name)
		if _, err := os.Stat(bins[name]); err != nil {
			return nil, fmt.Errorf("go build did not produce %s: %w", bins[name], err)
		}
	}
	return bins, nil
}

// ModuleRoot is the directory holding go.mod above the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// CocoonImage runs the cocoon-image binary with env (nil: the test's) and
// returns its stdout; a failure fails the test.
func CocoonImage(t testing.TB, bin string, env []string, args ...string) string {
	t.Helper()
	out, err := run(context.Background(), env, bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// CocoonImageResult runs the cocoon-image binary and returns its stdout
// and error (with stderr), for expected failures.
func CocoonImageResult(bin string, env []string, args ...string) (string, error) {
	return run(context.Background(), env, bin, args...)
}
