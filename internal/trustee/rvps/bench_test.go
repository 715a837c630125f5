package rvps

import (
	"context"
	"testing"
)

// BenchmarkQuery is the lookup every policy evaluation makes per reference value.
func BenchmarkQuery(b *testing.B) {
	s, _ := newTestService(b)
	ctx := context.Background()
	if err := s.Register(ctx, sampleMessage(`{"launch_digest": ["abc", "def", "0123456789abcdef0123456789abcdef"]}`)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if value, err := s.Query(ctx, "launch_digest"); err != nil || value == nil {
			b.Fatal(value, err)
		}
	}
}
