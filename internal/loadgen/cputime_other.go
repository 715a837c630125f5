//go:build !unix

package loadgen

import "time"

// processCPU is unknown here; the table then shows no CPU per flow.
func processCPU() (time.Duration, bool) { return 0, false }
