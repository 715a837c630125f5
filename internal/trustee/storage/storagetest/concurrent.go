package storagetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
)

// Small enough for a backend that fsyncs every write, large enough for the
// race detector to see the interleavings.
const (
	writers          = 8
	readers          = 4
	writesPerWriter  = 20
	readsPerReader   = 50
	concurrentValueN = 4 << 10
)

var sharedKeys = []string{"shared/0", "shared/1", "shared/2"}

// testConcurrentReadersWriters overwrites a few keys from many goroutines
// while others read them: every value read must be one some writer wrote,
// whole.
func testConcurrentReadersWriters(t *testing.T, s storage.Store) {
	ctx := t.Context()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for seq := range writesPerWriter {
				key := sharedKeys[(w+seq)%len(sharedKeys)]
				v := NewCheckedValue(uint64(w), uint64(seq), concurrentValueN)
				if err := s.Set(ctx, ns, key, v, true); err != nil {
					t.Errorf("writer %d: Set(%q): %v", w, key, err)
					return
				}
			}
		})
	}
	for r := range readers {
		wg.Go(func() {
			for i := range readsPerReader {
				key := sharedKeys[(r+i)%len(sharedKeys)]
				v, err := s.Get(ctx, ns, key)
				if errors.Is(err, storage.ErrNotFound) {
					continue // not written yet
				}
				if err == nil {
					err = checkWritten(v)
				}
				if err != nil {
					t.Errorf("reader %d: Get(%q): %v", r, key, err)
					return
				}
				if _, err := s.List(ctx, ns); err != nil {
					t.Errorf("reader %d: List: %v", r, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, key := range sharedKeys {
		v, err := s.Get(ctx, ns, key)
		if err == nil {
			err = checkWritten(v)
		}
		if err != nil {
			t.Errorf("after the writers: Get(%q): %v", key, err)
		}
	}
	mustList(t, s, ns, sharedKeys...)
}

// checkWritten reports whether v is a value one of the writers above wrote.
func checkWritten(v []byte) error {
	id, seq, err := ParseCheckedValue(v)
	if err != nil {
		return err
	}
	if id >= writers || seq >= writesPerWriter || len(v) != concurrentValueN {
		return fmt.Errorf("value from writer %d, seq %d, %d bytes was never written", id, seq, len(v))
	}
	return nil
}

// testConcurrentCreateOneWins races creators of one key without overwrite:
// exactly one succeeds and its value is the one kept.
func testConcurrentCreateOneWins(t *testing.T, s storage.Store) {
	const creators = 16
	errs := make([]error, creators)
	var wg sync.WaitGroup
	for i := range creators {
		wg.Go(func() {
			errs[i] = s.Set(t.Context(), ns, "contended", NewCheckedValue(uint64(i), 0, 64), false)
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("creators %d and %d both succeeded", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, storage.ErrExists):
			t.Errorf("creator %d: got %v, want nil or ErrExists", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no creator succeeded")
	}
	mustGet(t, s, ns, "contended", NewCheckedValue(uint64(winner), 0, 64))
}

// testConcurrentDistinctKeys creates many keys at once; all must be listed.
func testConcurrentDistinctKeys(t *testing.T, s storage.Store) {
	const perWriter = 10
	var want []string
	var wg sync.WaitGroup
	for w := range writers {
		for i := range perWriter {
			want = append(want, fmt.Sprintf("w%d/k%02d", w, i))
		}
		wg.Go(func() {
			for i := range perWriter {
				key := fmt.Sprintf("w%d/k%02d", w, i)
				if err := s.Set(t.Context(), ns, key, []byte(key), false); err != nil {
					t.Errorf("Set(%q): %v", key, err)
				}
			}
		})
	}
	wg.Wait()
	slices.Sort(want)
	mustList(t, s, ns, want...)
	for _, key := range want {
		mustGet(t, s, ns, key, []byte(key))
	}
}
