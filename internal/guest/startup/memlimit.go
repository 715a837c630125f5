package startup

import "runtime/debug"

// DefaultMemoryLimit is the soft memory limit of every guest process
// unless GOMEMLIMIT is set. Their live heaps are a few MiB at most, so the
// collector's default goal (twice the live heap, and at least 4 MiB of
// garbage) keeps memory the guest could use elsewhere; with this limit the
// collector runs sooner and returns it (docs/guest.md has the numbers). It
// is soft: a process that needs more, such as the CDH unpacking an image,
// gets it, at the price of more frequent collections (the runtime caps
// their CPU share); GOMEMLIMIT raises it.
const DefaultMemoryLimit = 8 << 20

// EnvMemoryLimit is the Go runtime's own setting, which always wins.
const EnvMemoryLimit = "GOMEMLIMIT"

// SetMemoryLimit applies DefaultMemoryLimit unless GOMEMLIMIT is set (the
// runtime has then applied it, or "off") and returns the limit in force.
func SetMemoryLimit(getenv func(string) string) int64 {
	if getenv(EnvMemoryLimit) != "" {
		return debug.SetMemoryLimit(-1) // a negative value only reads it
	}
	debug.SetMemoryLimit(DefaultMemoryLimit)
	return DefaultMemoryLimit
}
