package loadgen

import (
	"context"
	"sync/atomic"
	"time"
)

// startClock hands out the start time of each flow. Without a rate a
// client starts its next flow as soon as its last one ends (closed loop).
// With a rate, flows start on a fixed schedule that the clients take turns
// to keep (open loop), and a flow's latency runs from its scheduled start:
// when the server falls behind, the time a flow waited for a free client
// counts against it instead of being silently skipped.
type startClock struct {
	begin    time.Time
	interval time.Duration // between scheduled starts; 0 for a closed loop
	next     atomic.Int64
}

func newStartClock(begin time.Time, rate float64) *startClock {
	c := &startClock{begin: begin}
	if rate > 0 {
		c.interval = time.Duration(float64(time.Second) / rate)
	}
	return c
}

// await returns when the next flow should start and its start time for
// the latency, or false when ctx ends first.
func (c *startClock) await(ctx context.Context) (time.Time, bool) {
	if c.interval == 0 {
		return time.Now(), ctx.Err() == nil
	}
	at := c.begin.Add(time.Duration(c.next.Add(1)-1) * c.interval)
	wait := time.Until(at)
	if wait <= 0 {
		return at, ctx.Err() == nil
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
		return at, true
	case <-ctx.Done():
		return at, false
	}
}
