package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	home, _ := os.UserHomeDir()
	code := run(ctx, os.Args[1:], cliEnv{stdout: os.Stdout, stderr: os.Stderr, home: home})
	stop()
	os.Exit(code)
}
