package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Paths of the binaries TestMain builds once for every test.
var bin struct {
	trustee, kbsClient, kbsLoad string
}

// homeDir is the HOME of every process the tests start: empty, so that a
// developer's ~/.trustee/admin-token or data directory never leaks in.
var homeDir string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "cocoon-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	if err := buildBinaries(tmp); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: BUILD FAILED:", err)
		return 1
	}
	homeDir = filepath.Join(tmp, "home")
	if err := os.Mkdir(homeDir, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	return m.Run()
}

// buildBinaries builds the three commands into dir with one go build, from
// the module root, so the tests exercise exactly what a user would run.
func buildBinaries(dir string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	binDir := filepath.Join(dir, "bin")
	if err := os.Mkdir(binDir, 0o700); err != nil {
		return err
	}
	// go test puts its own GOROOT/bin first on PATH, so this is the same
	// toolchain that builds the tests.
	cmd := exec.Command("go", "build", "-o", binDir+string(filepath.Separator), "./cmd/trustee", "./cmd/kbs-client", "./cmd/kbs-load")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	bin.trustee = filepath.Join(binDir, "trustee")
	bin.kbsClient = filepath.Join(binDir, "kbs-client")
	bin.kbsLoad = filepath.Join(binDir, "kbs-load")
	for _, p := range []string{bin.trustee, bin.kbsClient, bin.kbsLoad} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("go build did not produce %s: %w", p, err)
		}
	}
	return nil
}

// moduleRoot walks up from the working directory to the one holding go.mod.
func moduleRoot() (string, error) {
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

// processEnv is the environment of every started process: the test's own,
// without variables that would point the binaries at another configuration,
// data directory or admin token.
func processEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "HOME", "KBS_CONFIG_FILE", "COCOON_DATA_DIR", "XDG_DATA_HOME":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+homeDir)
}
