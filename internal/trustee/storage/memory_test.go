package storage_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage/storagetest"
)

func TestMemory(t *testing.T) {
	storagetest.Run(t, func(*testing.T) storage.Store { return storage.NewMemory() })
}

func BenchmarkMemory(b *testing.B) {
	storagetest.Bench(b, func(*testing.B) storage.Store { return storage.NewMemory() })
}

// BenchmarkMemoryGC is one full garbage collection with the memory backend
// holding 200,000 sessions of 2 KB, as it does after a minute of 32
// clients: the cost every collection cycle pays for the stored entries.
func BenchmarkMemoryGC(b *testing.B) {
	s := storage.NewMemory()
	value := bytes.Repeat([]byte("s"), 2048)
	for i := range 200_000 {
		if err := s.Set(context.Background(), storage.NamespaceSessions, fmt.Sprintf("%032x", i), value, false); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	for b.Loop() {
		runtime.GC()
	}
	runtime.KeepAlive(s)
}
