package cdh

import (
	"context"
	"log/slog"
	"net"
	"os"

	"github.com/cocoon-cc/cocoon/internal/guest/secret"
)

// Where the CDH's start-up reads its outside settings, as upstream.
const (
	// KernelCmdline is the kernel command line (absent outside a VM).
	KernelCmdline = "/proc/cmdline"
	// EnvSkipVerification set to "true" turns on
	// skip_sealed_secret_verification, like the file's key.
	EnvSkipVerification = "SKIP_SEALED_SECRET_VERIFICATION"
)

// LoadStartupConfig is the configuration the CDH starts with: the file at
// path (-c), or without one [kbc] from AA_KBC_PARAMS or the kernel command
// line (else offline_fs_kbc); then SKIP_SEALED_SECRET_VERIFICATION, the
// registry credentials variable and the kernel's cdh.kbs_resources.
func LoadStartupConfig(path string, getenv func(string) string) (*Config, error) {
	cmdline, _ := os.ReadFile(KernelCmdline) // absent outside a VM: no kernel parameters
	var (
		cfg *Config
		err error
	)
	if path != "" {
		cfg, err = LoadConfig(path)
	} else {
		cfg, err = DefaultConfig(getenv(EnvKBCParams), string(cmdline))
	}
	if err != nil {
		return nil, err
	}
	if getenv(EnvSkipVerification) == "true" {
		cfg.SkipSealedSecretVerification = true
	}
	// Items without "::" are dropped before a logger exists; upstream
	// drops them too.
	discard := slog.New(slog.DiscardHandler)
	if err := cfg.ApplyOverrides(getenv(EnvRegistryCredentials), string(cmdline), discard); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Hub is a started CDH: its resource source ready, [[credentials]]
// fetched and its socket listening; Serve answers on it.
type Hub struct {
	// Service is the CDH's services, also callable in process.
	Service *Service

	listener       net.Listener
	closeResources func()
}

// Start does what the CDH does before it serves, in upstream's order:
// warn about ignored keys and skipped verification, build the resource
// source [kbc] names, fetch [[credentials]] into CredentialsDir, then
// listen on the socket. getenv supplies OFFLINE_FS_KBC_EXTRA_FILE_PATH.
func Start(ctx context.Context, cfg *Config, getenv func(string) string, log *slog.Logger) (*Hub, error) {
	for _, key := range cfg.IgnoredKeys {
		log.Warn("config key ignored, as upstream ignores it", "key", key)
	}
	if cfg.SkipSealedSecretVerification {
		log.Warn("sealed secret signatures are NOT verified (skip_sealed_secret_verification)")
	}
	resources, closeResources, err := newResources(cfg, getenv, log)
	if err != nil {
		return nil, err
	}
	h := &Hub{closeResources: closeResources}
	if err := FetchCredentials(ctx, cfg.Credentials, CredentialsDir, resources, log); err != nil {
		h.Close()
		return nil, err
	}
	if h.listener, err = Listen(cfg.Socket); err != nil {
		h.Close()
		return nil, err
	}
	h.Service = NewService(ServiceOptions{
		Resources:                    resources,
		SkipSealedSecretVerification: cfg.SkipSealedSecretVerification,
		Image:                        cfg.Image,
		AASocket:                     cfg.AA.Socket,
		Logger:                       log,
	})
	return h, nil
}

// Serve answers on the socket until ctx ends (see Serve).
func (h *Hub) Serve(ctx context.Context) error {
	return Serve(ctx, h.listener, h.Service)
}

// Close releases the resource source (the agent's connection); call it
// once Serve has returned.
func (h *Hub) Close() {
	h.closeResources()
}

// newResources builds the resource source [kbc] names: offline_fs_kbc's
// files, or the KBS with tokens from the agent over its socket.
func newResources(cfg *Config, getenv func(string) string, log *slog.Logger) (secret.ResourceGetter, func(), error) {
	if cfg.KBC.Name == KBCOfflineFS {
		o, err := LoadOfflineFS(SplitExtraFiles(getenv(EnvOfflineFSExtraFiles)))
		return o, func() {}, err
	}
	tokens, err := NewAATokens(cfg.AA.Socket)
	if err != nil {
		return nil, nil, err
	}
	k, err := NewKBS(cfg.KBC.URL, cfg.KBC.Cert, tokens, log)
	if err != nil {
		_ = tokens.Close()
		return nil, nil, err
	}
	return k, func() { _ = tokens.Close() }, nil
}
