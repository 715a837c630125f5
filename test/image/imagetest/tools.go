package imagetest

import (
	"os/exec"
	"testing"
)

// aptPackages names the Debian package of each tool the tests run.
var aptPackages = map[string]string{
	"skopeo":          "skopeo",
	"docker-registry": "docker-registry",
	"busybox":         "busybox-static",
	"gpg":             "gnupg",
}

// RequireTools fails the test, naming the apt-get line, when a tool is
// not on PATH.
func RequireTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			pkg := aptPackages[tool]
			if pkg == "" {
				pkg = tool
			}
			t.Fatalf("%s is missing (%v): apt-get install -y %s", tool, err, pkg)
		}
	}
}

// busyboxPath is Debian's busybox-static binary.
const busyboxPath = "/bin/busybox"
