package app

import (
	"fmt"
	"log/slog"

	"github.com/cocoon-cc/cocoon/internal/trustee/config"
	"github.com/cocoon-cc/cocoon/internal/trustee/metrics"
	"github.com/cocoon-cc/cocoon/internal/trustee/plugin"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
)

// newPlugins builds the [[plugins]] the configuration lists.
func newPlugins(cfgs []config.Plugin, store storage.Store, m *metrics.Metrics, logger *slog.Logger) (*plugin.Set, error) {
	var plugins []plugin.Plugin
	for i, c := range cfgs {
		switch {
		case c.Name == config.PluginResource && c.StorageBackendType == config.ResourceKVStorage:
			plugins = append(plugins, plugin.NewResource(store, m, logger))
		case c.Name == config.PluginSample:
			plugins = append(plugins, plugin.Sample{})
		default:
			return nil, fmt.Errorf("plugins[%d]: plugin %q with backend %q is not implemented", i, c.Name, c.StorageBackendType)
		}
	}
	return plugin.NewSet(plugins...)
}
