package config

import "fmt"

// Plugin names Cocoon implements (canonical spelling; upstream's enum
// variant names are accepted on input).
const (
	PluginResource = "resource"
	PluginSample   = "sample"
)

// Resource plugin backends.
const (
	// ResourceKVStorage keeps resources in the unified storage backend (namespace "repository").
	ResourceKVStorage = "kvstorage"
	// ResourceLocalFsV016 is v0.16's `type = "LocalFs"`: plain files at <dir_path>/<repo>/<type>/<tag>.
	ResourceLocalFsV016 = "LocalFs"
	// DefaultResourceDirV016 is v0.16's default dir_path.
	DefaultResourceDirV016 = "/opt/confidential-containers/kbs/repository"
)

var pluginAliases = map[string]string{"ResourceStorage": PluginResource, "Sample": PluginSample}

// upstreamOnlyPlugins exist upstream but not (yet) in Cocoon.
var upstreamOnlyPlugins = map[string]bool{
	"nebula-ca": true, "NebulaCaPlugin": true, "pkcs11": true, "Pkcs11": true,
	"external": true, "ExternalPlugin": true, "provisioner": true, "Provisioner": true,
}

// upstreamOnlyResourceBackends are upstream resource backends Cocoon lacks.
var upstreamOnlyResourceBackends = map[string]bool{
	"Aliyun": true, "aliyun": true, "Aws": true, "aws": true,
	"Gcp": true, "gcp": true, "Vault": true, "vault": true,
}

// Plugin is one [[plugins]] entry, tagged by name. Fields other than Name
// belong to one plugin each.
type Plugin struct {
	Name string `toml:"name"`

	// resource
	StorageBackendType string `toml:"storage_backend_type"` // kvstorage (default) | LocalFs (v0.16)
	Type               string `toml:"type"`                 // v0.16 spelling of the backend
	DirPath            string `toml:"dir_path"`             // v0.16 LocalFs directory

	// sample
	Item string `toml:"item"`
}

// normalize applies aliases and the resource plugin's defaults, folding
// v0.16's `type` into storage_backend_type. It returns v0.16 notices.
func (pl *Plugin) normalize(index int) (warnings []string) {
	if c, ok := pluginAliases[pl.Name]; ok {
		pl.Name = c
	}
	if pl.Name != PluginResource || (pl.Type != "" && pl.StorageBackendType != "") {
		return nil // validate reports the mix
	}
	if pl.Type != "" {
		pl.StorageBackendType, pl.Type = pl.Type, ""
		warnings = append(warnings, fmt.Sprintf(
			"plugins[%d].type is the upstream v0.16 spelling; read as storage_backend_type = %q", index, pl.StorageBackendType))
	}
	switch pl.StorageBackendType {
	case "", "KvStorage":
		pl.StorageBackendType = ResourceKVStorage
	case ResourceLocalFsV016:
		if pl.DirPath == "" {
			pl.DirPath = DefaultResourceDirV016
		}
	}
	return warnings
}

func validatePlugins(p *problems, plugins []Plugin) {
	seen := make(map[string]bool)
	for i, pl := range plugins {
		key := fmt.Sprintf("plugins[%d]", i)
		switch {
		case pl.Name == PluginResource:
			pl.validateResource(p, key)
		case pl.Name == PluginSample:
			pl.validateSample(p, key)
		case upstreamOnlyPlugins[pl.Name]:
			p.unsupported(key+".name", "plugin %q (supported: %s, %s)", pl.Name, PluginResource, PluginSample)
		case pl.Name == "":
			p.invalid(key+".name", "required (%s or %s)", PluginResource, PluginSample)
		default:
			p.invalid(key+".name", "unknown plugin %q (supported: %s, %s)", pl.Name, PluginResource, PluginSample)
		}
		if seen[pl.Name] && pl.Name != "" {
			p.invalid(key+".name", "plugin %q is configured twice", pl.Name)
		}
		seen[pl.Name] = true
	}
}

func (pl Plugin) validateResource(p *problems, key string) {
	if pl.Item != "" {
		p.invalid(key+".item", "only valid for the %s plugin", PluginSample)
	}
	if pl.Type != "" && pl.StorageBackendType != "" {
		p.invalid(key, "set storage_backend_type (HEAD) or type (v0.16), not both")
		return
	}
	switch b := pl.StorageBackendType; {
	case b == ResourceKVStorage:
		if pl.DirPath != "" {
			p.invalid(key+".dir_path", "only valid with the v0.16 type = %q backend", ResourceLocalFsV016)
		}
	case b == ResourceLocalFsV016:
		if pl.DirPath == "" {
			p.invalid(key+".dir_path", "must not be empty")
		}
	case upstreamOnlyResourceBackends[b]:
		p.unsupported(key+".storage_backend_type", "resource backend %q (supported: %s)", b, ResourceKVStorage)
	default:
		p.invalid(key+".storage_backend_type", "unknown resource backend %q (supported: %s)", b, ResourceKVStorage)
	}
}

func (pl Plugin) validateSample(p *problems, key string) {
	if pl.StorageBackendType != "" || pl.Type != "" || pl.DirPath != "" {
		p.invalid(key, "storage_backend_type, type and dir_path are only valid for the %s plugin", PluginResource)
	}
	if pl.Item == "" {
		p.invalid(key+".item", "required")
	}
}
