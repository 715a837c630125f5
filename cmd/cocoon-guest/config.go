package main

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/cocoon-cc/cocoon/internal/guest/aa"
	"github.com/cocoon-cc/cocoon/internal/guest/cdh"
	"github.com/cocoon-cc/cocoon/internal/guest/secret"
)

const (
	cmdlinePath = "/proc/cmdline"
	// shutdownGrace bounds how long ttRPC calls in flight may finish.
	shutdownGrace = 10 * time.Second
	// envSkipVerification is the CDH's switch, honoured as its command does.
	envSkipVerification = "SKIP_SEALED_SECRET_VERIFICATION"
)

// newLogger logs text to stderr at RUST_LOG's level, info by default.
func newLogger(o *options) (*slog.Logger, error) {
	level, _ := o.lookupEnv("RUST_LOG")
	l, err := aa.LogConfig{Level: strings.ToLower(level)}.SlogLevel()
	if err != nil {
		return nil, fmt.Errorf("RUST_LOG: %w", err)
	}
	return slog.New(slog.NewTextHandler(o.stderr, &slog.HandlerOptions{Level: l})), nil
}

// loadAAConfig is the attestation-agent's -c, or its fallback.
func loadAAConfig(o *options) (*aa.Config, error) {
	if o.aaConfig == "" {
		cfg, _ := aa.ConfigFromKernelParams(o.lookupEnv, cmdlinePath)
		return cfg, nil
	}
	cfg, err := aa.LoadConfig(o.aaConfig)
	if err != nil {
		return nil, fmt.Errorf("--aa-config %s: %w", o.aaConfig, err)
	}
	return cfg, nil
}

func readInitData(o *options) (aa.InitData, error) {
	if o.initDataTOML != "" {
		b, err := os.ReadFile(o.initDataTOML)
		if err != nil {
			return aa.InitData{}, fmt.Errorf("--initdata-toml: %w", err)
		}
		return aa.InitData{TOML: b}, nil
	}
	if o.initDataDigest != "" {
		d, err := base64.StdEncoding.DecodeString(o.initDataDigest)
		if err != nil {
			return aa.InitData{}, fmt.Errorf("--initdata-digest: not standard base64: %w", err)
		}
		return aa.InitData{Digest: d}, nil
	}
	return aa.InitData{}, nil
}

// loadCDHConfig is the CDH's -c, or its fallback, with the kernel
// command line's and the environment's overrides.
func loadCDHConfig(o *options) (*cdh.Config, error) {
	cmdline, _ := os.ReadFile(cmdlinePath) // absent outside a VM
	getenv := func(k string) string { v, _ := o.lookupEnv(k); return v }
	var (
		cfg *cdh.Config
		err error
	)
	if o.cdhConfig != "" {
		cfg, err = cdh.LoadConfig(o.cdhConfig)
	} else {
		cfg, err = cdh.DefaultConfig(getenv(cdh.EnvKBCParams), string(cmdline))
	}
	if err != nil {
		return nil, fmt.Errorf("--cdh-config: %w", err)
	}
	if getenv(envSkipVerification) == "true" {
		cfg.SkipSealedSecretVerification = true
	}
	if err := cfg.ApplyOverrides(getenv(cdh.EnvRegistryCredentials), string(cmdline), slog.New(slog.DiscardHandler)); err != nil {
		return nil, fmt.Errorf("--cdh-config: %w", err)
	}
	return cfg, nil
}

// newResources is the CDH's resource source: offline_fs_kbc, or the KBS
// with tokens from the agent over its socket.
func newResources(cfg *cdh.Config, o *options, log *slog.Logger) (secret.ResourceGetter, func(), error) {
	if cfg.KBC.Name == cdh.KBCOfflineFS {
		extra, _ := o.lookupEnv(cdh.EnvOfflineFSExtraFiles)
		r, err := cdh.LoadOfflineFS(cdh.SplitExtraFiles(extra))
		return r, func() {}, err
	}
	tokens, err := cdh.NewAATokens(cfg.AA.Socket)
	if err != nil {
		return nil, nil, err
	}
	k, err := cdh.NewKBS(cfg.KBC.URL, cfg.KBC.Cert, tokens, log)
	if err != nil {
		_ = tokens.Close()
		return nil, nil, err
	}
	return k, func() { _ = tokens.Close() }, nil
}
