package startup

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Begin is the first thing a guest command's main does: it applies the
// soft memory limit policy (SetMemoryLimit) and returns a context that
// SIGINT, SIGHUP or SIGTERM cancel (upstream's services stop on the first
// two; init systems and kata-agent send the last). Call stop on return.
func Begin() (ctx context.Context, stop context.CancelFunc) {
	SetMemoryLimit(os.Getenv)
	return signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGHUP, syscall.SIGTERM)
}
