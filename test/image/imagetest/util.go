package imagetest

import (
	"bytes"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// sortEntries orders entries by path so that a directory precedes what
// it holds.
func sortEntries(l Layer) {
	slices.SortStableFunc(l, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func writeFileMode(t testing.TB, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}
