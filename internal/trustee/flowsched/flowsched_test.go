package flowsched

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// blockWorker occupies the scheduler's only worker until release is closed.
func blockWorker(t *testing.T, s *Scheduler) (release func()) {
	t.Helper()
	started, gate := make(chan struct{}), make(chan struct{})
	go func() {
		_ = s.Do(context.Background(), time.Time{}, func() {
			close(started)
			<-gate
		})
	}()
	<-started
	return func() { close(gate) }
}

// waitQueued waits until n jobs are queued.
func waitQueued(s *Scheduler, n int) {
	for {
		s.mu.Lock()
		queued := len(s.queue)
		s.mu.Unlock()
		if queued >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func TestOldestFlowFirst(t *testing.T) {
	s := New(1)
	defer s.Close()
	release := blockWorker(t, s)

	base := time.Now()
	// Queued newest first; two share a start and keep their arrival order.
	starts := []struct {
		name   string
		offset time.Duration
	}{{"e", 4}, {"d", 3}, {"b", 1}, {"c1", 2}, {"c2", 2}, {"a", 0}}
	var (
		mu    sync.Mutex
		order []string
		wg    sync.WaitGroup
	)
	for i, st := range starts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Do(context.Background(), base.Add(st.offset*time.Second), func() {
				mu.Lock()
				order = append(order, st.name)
				mu.Unlock()
			})
			if err != nil {
				t.Error(err)
			}
		}()
		waitQueued(s, i+1)
	}
	release()
	wg.Wait()
	if want := []string{"a", "b", "c1", "c2", "d", "e"}; !slices.Equal(order, want) {
		t.Errorf("ran %v, want %v", order, want)
	}
}

func TestWorkersBoundConcurrency(t *testing.T) {
	const workers = 3
	s := New(workers)
	defer s.Close()
	var (
		mu            sync.Mutex
		running, peak int
		wg            sync.WaitGroup
	)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.Do(context.Background(), time.Now(), func() {
				mu.Lock()
				running++
				peak = max(peak, running)
				mu.Unlock()
				time.Sleep(time.Millisecond)
				mu.Lock()
				running--
				mu.Unlock()
			})
		}()
	}
	wg.Wait()
	if peak > workers {
		t.Errorf("%d jobs ran at once with %d workers", peak, workers)
	}
}

// Work whose caller gave up while it was queued never runs; the caller
// gets its context's error.
func TestAbandonedWorkDoesNotRun(t *testing.T) {
	s := New(1)
	defer s.Close()
	release := blockWorker(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	ran := false
	done := make(chan error)
	go func() { done <- s.Do(ctx, time.Now(), func() { ran = true }) }()
	waitQueued(s, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Do = %v, want context.Canceled", err)
	}
	release()
	if err := s.Do(context.Background(), time.Now(), func() {}); err != nil { // the worker moved past it
		t.Fatal(err)
	}
	if ran {
		t.Error("abandoned work ran")
	}
}

// A panic in work reaches the caller's goroutine, so the HTTP server's
// recovery handles it, and the worker survives.
func TestPanicReachesTheCaller(t *testing.T) {
	s := New(1)
	defer s.Close()
	func() {
		defer func() {
			if v := recover(); v != "boom" {
				t.Errorf("recovered %v, want boom", v)
			}
		}()
		_ = s.Do(context.Background(), time.Now(), func() { panic("boom") })
		t.Error("Do returned after its work panicked")
	}()
	ran := false
	if err := s.Do(context.Background(), time.Now(), func() { ran = true }); err != nil || !ran {
		t.Errorf("after a panic: Do = %v, ran = %v", err, ran)
	}
}

func TestClose(t *testing.T) {
	s := New(2)
	s.Close()
	s.Close() // harmless
	if err := s.Do(context.Background(), time.Now(), func() {}); !errors.Is(err, ErrClosed) {
		t.Errorf("Do after Close = %v, want ErrClosed", err)
	}
}

// Work held up behind workers that are all stuck (on I/O, say) still runs:
// the scheduler adds a worker, and drops it again once the queue is empty.
func TestStuckWorkersDoNotStopTheRest(t *testing.T) {
	s := New(1)
	defer s.Close()
	release := blockWorker(t, s)
	for i := range 3 { // each waits for the stall watch to add a worker
		if err := s.Do(context.Background(), time.Now(), func() {}); err != nil {
			t.Fatalf("work %d: %v", i, err)
		}
	}
	release()
	for {
		s.mu.Lock()
		total := s.total
		s.mu.Unlock()
		if total == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
}
