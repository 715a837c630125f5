// Package flowsched runs the KBS's request work on a fixed number of
// workers, oldest attestation flow first.
//
// Why: left to itself, Go's scheduler serves ready requests in an order
// close to random (per-P run queues, work stealing, network poller
// batches), so under load a flow of three requests (auth, attest,
// resource) may wait behind newer flows at every step. With 32 clients
// saturating the server, that made the p99 flow latency three times the
// median. Serving the request of the flow that started first instead lets
// flows already in progress finish before new ones take the CPU, which
// bounds how long any one flow waits, and under overload it finishes the
// flows that were admitted instead of spreading the delay over all of them.
package flowsched

import (
	"container/heap"
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Scheduler queues work by flow start time and runs it on its workers.
type Scheduler struct {
	mu      sync.Mutex
	ready   sync.Cond
	queue   jobQueue
	seq     uint64
	closed  bool
	workers sync.WaitGroup

	base  int    // workers kept when there is nothing to do
	total int    // workers running
	idle  int    // workers waiting for work
	picks uint64 // jobs taken so far: progress, as the stall watch sees it
	watch bool   // a stall check is pending
}

// Work that waits while no worker has picked a job for stallAfter means
// every worker is held by something slow, most likely I/O (a storage
// backend, a collateral fetch), not CPU: a request takes well under a
// millisecond of CPU. The scheduler then adds a worker, so that slow
// requests cannot stop all the others; the extra workers leave when the
// queue is empty.
const (
	stallAfter = 50 * time.Millisecond
	maxWorkers = 256
)

// job is one queued piece of work.
type job struct {
	start time.Time
	seq   uint64 // arrival order, breaking ties between equal starts
	work  func()
	done  chan struct{}
	// state moves from queued to running (taken by a worker) or to
	// abandoned (its caller gave up first); whoever moves it first wins.
	state    atomic.Int32
	panicked any
}

const (
	queued int32 = iota
	running
	abandoned
)

// New starts a scheduler with the given number of workers (at least one).
func New(workers int) *Scheduler {
	s := &Scheduler{base: max(workers, 1)}
	s.ready.L = &s.mu
	s.mu.Lock()
	defer s.mu.Unlock()
	for range s.base {
		s.startWorker()
	}
	return s
}

// startWorker runs one more worker; s.mu is held.
func (s *Scheduler) startWorker() {
	s.total++
	s.workers.Add(1)
	go s.work()
}

// Do runs work on a worker once no queued work belongs to a flow that
// started earlier, and returns when it is done. If ctx ends while the work
// is still queued, it is dropped and ctx's error returned. A panic in work
// is raised again in the caller's goroutine, where the caller's recovery
// handles it.
func (s *Scheduler) Do(ctx context.Context, flowStart time.Time, work func()) error {
	j := &job{start: flowStart, work: work, done: make(chan struct{})}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.seq++
	j.seq = s.seq
	heap.Push(&s.queue, j)
	s.ready.Signal()
	if s.idle == 0 {
		s.watchForStall()
	}
	s.mu.Unlock()

	select {
	case <-j.done:
	case <-ctx.Done():
		if j.state.CompareAndSwap(queued, abandoned) {
			return ctx.Err()
		}
		<-j.done // already running: its writes to the response must end first
	}
	if j.panicked != nil {
		panic(j.panicked)
	}
	return nil
}

// ErrClosed is returned by Do after Close.
var ErrClosed = errors.New("flowsched: scheduler closed")

// Close stops the workers once the queued work is done.
func (s *Scheduler) Close() {
	s.mu.Lock()
	s.closed = true
	s.ready.Broadcast()
	s.mu.Unlock()
	s.workers.Wait()
}

// watchForStall checks, stallAfter from now, whether any worker picked a
// job meanwhile; s.mu is held.
func (s *Scheduler) watchForStall() {
	if s.watch {
		return
	}
	s.watch = true
	picks := s.picks
	time.AfterFunc(stallAfter, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.watch = false
		if s.closed || len(s.queue) == 0 || s.idle > 0 {
			return
		}
		if s.picks == picks && s.total < maxWorkers {
			s.startWorker()
		}
		s.watchForStall()
	})
}

func (s *Scheduler) work() {
	defer s.workers.Done()
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closed {
			if s.total > s.base { // an extra worker whose stall is over
				s.total--
				s.mu.Unlock()
				return
			}
			s.idle++
			s.ready.Wait()
			s.idle--
		}
		if len(s.queue) == 0 {
			s.total--
			s.mu.Unlock()
			return
		}
		j := heap.Pop(&s.queue).(*job)
		s.picks++
		s.mu.Unlock()
		if j.state.CompareAndSwap(queued, running) {
			s.run(j)
			// Let the goroutines made ready meanwhile (requests just read
			// off the network) queue their work before the next pick, so
			// that the pick sees them.
			runtime.Gosched()
		}
	}
}

func (s *Scheduler) run(j *job) {
	defer close(j.done)
	defer func() { j.panicked = recover() }()
	j.work()
}

// jobQueue is a min-heap on (start, seq).
type jobQueue []*job

func (q jobQueue) Len() int { return len(q) }
func (q jobQueue) Less(i, k int) bool {
	if !q[i].start.Equal(q[k].start) {
		return q[i].start.Before(q[k].start)
	}
	return q[i].seq < q[k].seq
}
func (q jobQueue) Swap(i, k int) { q[i], q[k] = q[k], q[i] }
func (q *jobQueue) Push(x any)   { *q = append(*q, x.(*job)) }
func (q *jobQueue) Pop() any {
	old := *q
	j := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return j
}
