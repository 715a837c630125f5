package cdh

import (
	"fmt"
	"log/slog"
	"strings"
)

// Kernel command-line and environment parameters upstream reads.
const (
	EnvKBCParams           = "AA_KBC_PARAMS"
	EnvRegistryCredentials = "CDH_DEFAULT_IMAGE_AUTHENTICATED_REGISTRY_CREDENTIALS"
	cmdlineKBCParams       = "agent.aa_kbc_params="
	cmdlineKBSResources    = "cdh.kbs_resources="
)

// DefaultConfig is the configuration without -c, as upstream builds it:
// [kbc] from AA_KBC_PARAMS ("<name>::<url>"), else from the kernel
// command line's agent.aa_kbc_params, else offline_fs_kbc.
func DefaultConfig(envKBC, cmdline string) (*Config, error) {
	params := envKBC
	if params == "" {
		params = cmdlineValue(cmdline, cmdlineKBCParams)
	}
	if params == "" {
		params = KBCOfflineFS + "::"
	}
	name, url, ok := strings.Cut(params, "::")
	if !ok {
		return nil, fmt.Errorf("%w: aa_kbc_params %q: want <kbc>::<url>", ErrConfig, params)
	}
	c := &Config{KBC: &KBCConfig{Name: name, URL: url}}
	c.applyDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// ApplyOverrides adds what upstream takes from outside the file: the
// registry credentials URI from the environment and the kernel command
// line's cdh.kbs_resources=<uri>::<path>,... as [[credentials]], which are
// validated like the file's.
func (c *Config) ApplyOverrides(registryCredentials, cmdline string, log *slog.Logger) error {
	if registryCredentials != "" {
		if c.Image == nil {
			c.Image = &ImageConfig{}
		}
		c.Image.AuthenticatedRegistryCredentialsURI = registryCredentials
	}
	for _, item := range strings.Split(cmdlineValue(cmdline, cmdlineKBSResources), ",") {
		uri, path, ok := strings.Cut(item, "::")
		if !ok {
			if item != "" {
				log.Warn("ignoring a cdh.kbs_resources item without '::'")
			}
			continue
		}
		cred := Credential{ResourceURI: uri, Path: path}
		if err := cred.validate(CredentialsDir); err != nil {
			return fmt.Errorf("%w: kernel cdh.kbs_resources: %w", ErrConfig, err)
		}
		c.Credentials = append(c.Credentials, cred)
	}
	return nil
}

// cmdlineValue returns the value of the first "key=value" word starting with key.
func cmdlineValue(cmdline, key string) string {
	for _, word := range strings.Fields(cmdline) {
		if v, ok := strings.CutPrefix(word, key); ok {
			return v
		}
	}
	return ""
}
