package storagetest

import (
	"fmt"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
)

// Bench measures Set (overwrite) and Get of a resource-sized value. open
// must return a new, empty store; Bench closes it.
func Bench(b *testing.B, open func(b *testing.B) storage.Store) {
	for _, size := range []int{1 << 10, 64 << 10} {
		value := NewCheckedValue(0, 0, size)
		b.Run(fmt.Sprintf("Set/%dKiB", size>>10), func(b *testing.B) {
			s := openForBench(b, open)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Set(b.Context(), ns, "bench/key", value, true); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("Get/%dKiB", size>>10), func(b *testing.B) {
			s := openForBench(b, open)
			if err := s.Set(b.Context(), ns, "bench/key", value, true); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Get(b.Context(), ns, "bench/key"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func openForBench(b *testing.B, open func(b *testing.B) storage.Store) storage.Store {
	s := open(b)
	b.Cleanup(func() {
		if err := s.Close(); err != nil {
			b.Errorf("Close: %v", err)
		}
	})
	return s
}
