package image

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/opencontainers/go-digest"
)

// BenchmarkUnpackLayer decompresses a gzip layer of 64 files of 1 MiB,
// checks its diff_id and unpacks it through os.Root: the local half of a
// pull.
func BenchmarkUnpackLayer(b *testing.B) {
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	body := bytes.Repeat([]byte("cocoon layer data "), 1<<20/18)
	for i := range 64 {
		if err := tw.WriteHeader(&tar.Header{Name: "data/f" + strconv.Itoa(i), Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}); err != nil {
			b.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			b.Fatal(err)
		}
	}
	_ = tw.Close()
	diffID := digest.FromBytes(raw.Bytes())
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(raw.Bytes())
	_ = zw.Close()
	b.SetBytes(int64(raw.Len()))
	for b.Loop() {
		dir := filepath.Join(b.TempDir(), "rootfs")
		if err := os.Mkdir(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		root, err := os.OpenRoot(dir)
		if err != nil {
			b.Fatal(err)
		}
		zr, err := decompress(bytes.NewReader(gz.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
		d, _ := newDigestReader(zr, diffID, 0)
		if err := newUnpacker(root).apply(d); err != nil {
			b.Fatal(err)
		}
		if err := d.verify(); err != nil {
			b.Fatal(err)
		}
		_ = root.Close()
	}
}
