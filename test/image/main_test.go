package image

import (
	"fmt"
	"os"
	"testing"

	"github.com/cocoon-cc/cocoon/test/image/imagetest"
)

// bin maps command names to the binaries TestMain builds once.
var bin map[string]string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "cocoon-image-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "image e2e:", err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	bin, err = imagetest.BuildCommands(dir, "./cmd/trustee", "./cmd/coco-keyprovider", "./cmd/cocoon-image")
	if err != nil {
		fmt.Fprintln(os.Stderr, "image e2e: BUILD FAILED:", err)
		return 1
	}
	return m.Run()
}
