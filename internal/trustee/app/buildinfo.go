package app

import (
	"runtime/debug"

	"github.com/cocoon-cc/cocoon/internal/trustee/metrics"
)

// BuildInfo reads the version and VCS stamps the Go toolchain embedded in
// the running binary.
func BuildInfo() metrics.BuildInfo {
	info := metrics.BuildInfo{Version: "(devel)", GitHash: "unknown", BuildDate: "unknown"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	if bi.Main.Version != "" {
		info.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.GitHash = s.Value
		case "vcs.time":
			info.BuildDate = s.Value
		}
	}
	return info
}
