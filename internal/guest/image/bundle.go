package image

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// runtimeSpec is the OCI runtime config.json of an image: the process
// from the image config (entrypoint + cmd, env, working directory, user)
// and runc's default mounts and namespaces.
func runtimeSpec(cfg ocispec.ImageConfig, uid, gid uint32) *specs.Spec {
	env := cfg.Env
	if !hasPath(env) {
		env = append([]string{defaultPath}, env...)
	}
	cwd := cfg.WorkingDir
	if cwd == "" {
		cwd = "/"
	}
	return &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			User: specs.User{UID: uid, GID: gid},
			Args: append(append([]string{}, cfg.Entrypoint...), cfg.Cmd...),
			Env:  env,
			Cwd:  cwd,
		},
		Root:     &specs.Root{Path: "rootfs"},
		Hostname: "cocoon",
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		},
		Annotations: cfg.Labels,
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.IPCNamespace}, {Type: specs.UTSNamespace}, {Type: specs.MountNamespace}},
		},
	}
}

func hasPath(env []string) bool {
	return slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, "PATH=") })
}

// writeRuntimeSpec writes bundle/config.json atomically.
func writeRuntimeSpec(bundle string, spec *specs.Spec) error {
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(bundle, ".config-*.json")
	if err != nil {
		return fmt.Errorf("config.json: %w", err)
	}
	// Cleanup of a failed write; after the rename there is nothing left to remove.
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close() // the file is discarded; the write error is the one to return
		return fmt.Errorf("config.json: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("config.json: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(bundle, "config.json"))
}
