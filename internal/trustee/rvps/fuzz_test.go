package rvps

import (
	"context"
	"testing"
)

// FuzzRegister: no panic, and whatever an accepted message registered can
// be queried back.
func FuzzRegister(f *testing.F) {
	f.Add(sampleMessage(`{"svn": ["1"], "launch_digest": ["abc"]}`))
	f.Add([]byte(`{"type":"sample","payload":"e30="}`))
	f.Add([]byte(`{"version":"0.1.0","type":"swid","payload":""}`))
	f.Add([]byte(`{"type":"sample","payload":"eyJhIGIiOjF9"}`))
	f.Fuzz(func(t *testing.T, message []byte) {
		s, _ := newTestService(t)
		ctx := context.Background()
		if err := s.Register(ctx, message); err != nil {
			return
		}
		names, err := s.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			if value, err := s.Query(ctx, name); err != nil || value == nil {
				t.Fatalf("registered %q reads back as %s, %v", name, value, err)
			}
		}
	})
}
