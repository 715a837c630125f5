package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// cliTimeout bounds one command-line run; reaching it is a failure.
const cliTimeout = 60 * time.Second

// result is what a finished command printed and how it exited.
type result struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("$ %s\nexit %d\n--- stdout ---\n%s--- stderr ---\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// run executes binary with args and returns its result; only a failure to
// start it, or a run past cliTimeout, fails the test here.
func run(t *testing.T, binary string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = processEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{args: append([]string{binary}, args...), stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("command did not finish within %v\n%s", cliTimeout, r)
	case errors.As(err, &exitErr):
		r.code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("run %s: %v", binary, err)
	}
	return r
}

// mustSucceed fails the test unless r exited 0.
func mustSucceed(t *testing.T, r result) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("command failed:\n%s", r)
	}
	return r
}

// mustFail fails the test unless r exited non-zero with stderr matching
// pattern and printed nothing on stdout.
func mustFail(t *testing.T, r result, pattern string) {
	t.Helper()
	if r.code == 0 {
		t.Errorf("command succeeded, want a failure matching %q:\n%s", pattern, r)
		return
	}
	if !regexp.MustCompile(pattern).MatchString(r.stderr) {
		t.Errorf("stderr does not match %q:\n%s", pattern, r)
	}
	if r.stdout != "" {
		t.Errorf("a failed command printed on stdout:\n%s", r)
	}
}

// kbsClient runs kbs-client against s.
func (s *server) kbsClient(t *testing.T, args ...string) result {
	t.Helper()
	global := []string{"--url", s.url}
	if s.certFile != "" {
		global = append(global, "--cert-file", s.certFile)
	}
	return run(t, bin.kbsClient, append(global, args...)...)
}

// admin runs a kbs-client config subcommand authenticated by the Ed25519
// private key at keyPath.
func (s *server) admin(t *testing.T, keyPath string, args ...string) result {
	t.Helper()
	return s.kbsClient(t, append([]string{"config", "--auth-private-key", keyPath}, args...)...)
}

// getResource fetches path as a sample guest and returns the decoded bytes.
func (s *server) getResource(t *testing.T, path string, extra ...string) []byte {
	t.Helper()
	r := mustSucceed(t, s.kbsClient(t, append([]string{"get-resource", "--path", path}, extra...)...))
	data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(r.stdout))
	if err != nil {
		t.Fatalf("get-resource stdout is not standard base64: %v\n%s", err, r)
	}
	return data
}

// attest runs kbs-client attest and returns the token and its claims.
func (s *server) attest(t *testing.T, extra ...string) (string, map[string]any) {
	t.Helper()
	r := mustSucceed(t, s.kbsClient(t, append([]string{"attest"}, extra...)...))
	token := strings.TrimSpace(r.stdout)
	return token, jwtClaims(t, token)
}

// jwtClaims decodes a compact JWS's payload without checking it: the
// server that issued it is the one that checks it.
func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3: %q", len(parts), token)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("token payload: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatalf("token payload: %v\n%s", err, payload)
	}
	return claims
}

// cpu0 returns the EAR appraisal of the token's CPU evidence.
func cpu0(t *testing.T, claims map[string]any) map[string]any {
	t.Helper()
	submods, _ := claims["submods"].(map[string]any)
	appraisal, ok := submods["cpu0"].(map[string]any)
	if !ok {
		t.Fatalf("token has no submods.cpu0: %v", claims)
	}
	return appraisal
}

// earStatus is submods.cpu0's ear.status.
func earStatus(t *testing.T, claims map[string]any) string {
	t.Helper()
	status, _ := cpu0(t, claims)["ear.status"].(string)
	return status
}

// annotatedEvidence is submods.cpu0's ear.veraison.annotated-evidence.
func annotatedEvidence(t *testing.T, claims map[string]any) map[string]any {
	t.Helper()
	ev, ok := cpu0(t, claims)["ear.veraison.annotated-evidence"].(map[string]any)
	if !ok {
		t.Fatalf("token has no ear.veraison.annotated-evidence: %v", claims)
	}
	return ev
}
