package aa

import (
	"encoding/base64"
	"fmt"
	"os"
)

// KernelCmdline is where the kernel command line is read from.
const KernelCmdline = "/proc/cmdline"

// LoadStartupConfig is the configuration the agent starts with: the file
// at path (-c), or without one the defaults with the KBS from
// AA_KBC_PARAMS or the kernel command line. The note says where the KBS
// came from, for the start-up log line.
func LoadStartupConfig(path string, lookupEnv func(string) (string, bool)) (*Config, string, error) {
	if path == "" {
		cfg, note := ConfigFromKernelParams(lookupEnv, KernelCmdline)
		return cfg, "no config file; " + note, nil
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return cfg, path, nil
}

// ReadInitData reads the init-data of --initdata-toml (tomlPath), which
// wins, or decodes --initdata-digest (standard base64); both "" is none.
func ReadInitData(tomlPath, digest string) (InitData, error) {
	if tomlPath != "" {
		b, err := os.ReadFile(tomlPath)
		if err != nil {
			return InitData{}, fmt.Errorf("--initdata-toml: %w", err)
		}
		return InitData{TOML: b}, nil
	}
	if digest != "" {
		d, err := base64.StdEncoding.DecodeString(digest)
		if err != nil {
			return InitData{}, fmt.Errorf("--initdata-digest: not standard base64: %w", err)
		}
		return InitData{Digest: d}, nil
	}
	return InitData{}, nil
}
