package imagetest

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Entry is one tar entry of a layer.
type Entry struct {
	Name string // relative path, e.g. "bin/busybox"
	Mode int64  // permission bits
	Data []byte // regular file content
	// Link makes the entry a symlink to Link.
	Link string
	// Dir makes the entry a directory.
	Dir bool
	// RandomSize makes the entry a regular file of that many
	// pseudo-random (incompressible) bytes seeded by Name; they are
	// streamed, never held in memory, and not listed in Image.Files.
	RandomSize int64
}

// Layer is a layer's entries, in tar order.
type Layer []Entry

// BusyboxLayer is Debian's busybox-static as /bin/busybox with /bin/sh
// linking to it.
func BusyboxLayer(t testing.TB) Layer {
	t.Helper()
	RequireTools(t, "busybox")
	data, err := os.ReadFile(busyboxPath)
	if err != nil {
		t.Fatalf("%v: apt-get install -y busybox-static", err)
	}
	return Layer{
		{Name: "bin", Dir: true, Mode: 0o755},
		{Name: "bin/busybox", Mode: 0o755, Data: data},
		{Name: "bin/sh", Link: "busybox", Mode: 0o777},
	}
}

// DataLayer holds files (mode 0644) under their paths, with their parent
// directories.
func DataLayer(files map[string][]byte) Layer {
	var l Layer
	dirs := map[string]bool{}
	for _, name := range sortedKeys(files) {
		for dir := path.Dir(name); dir != "." && !dirs[dir]; dir = path.Dir(dir) {
			dirs[dir] = true
			l = append(l, Entry{Name: dir, Dir: true, Mode: 0o755})
		}
		l = append(l, Entry{Name: name, Mode: 0o644, Data: files[name]})
	}
	// Parents before children, as tar readers expect.
	sortEntries(l)
	return l
}

// Image is an OCI image layout BuildImage wrote.
type Image struct {
	Dir, Tag string
	// Ref is the skopeo name "oci:<Dir>:<Tag>".
	Ref string
	// Files are the regular files of the image's root filesystem with
	// their content, and Symlinks its symlinks, for byte-for-byte
	// comparisons with an unpacked rootfs.
	Files    map[string][]byte
	Symlinks map[string]string
	// ManifestDigest is the digest of the image's manifest.
	ManifestDigest digest.Digest
	// Layers are the compressed layer digests, DiffIDs the uncompressed.
	Layers, DiffIDs []digest.Digest
}

// imageTime is the fixed time of every entry and of the config, so equal
// inputs give equal digests.
var imageTime = time.Unix(1700000000, 0).UTC()

// BuildImage writes an OCI layout (gzip layers, linux config for this
// architecture running /bin/sh) into a temporary directory, tag "latest".
func BuildImage(t testing.TB, layers ...Layer) *Image {
	t.Helper()
	dir := t.TempDir()
	img := &Image{Dir: dir, Tag: "latest", Ref: "oci:" + dir + ":latest", Files: map[string][]byte{}, Symlinks: map[string]string{}}
	var descs []imgspecv1.Descriptor
	for _, layer := range layers {
		desc, diffID := writeLayer(t, dir, layer)
		descs = append(descs, desc)
		img.Layers = append(img.Layers, desc.Digest)
		img.DiffIDs = append(img.DiffIDs, diffID)
		for _, e := range layer {
			switch {
			case e.Link != "":
				img.Symlinks[e.Name] = e.Link
			case !e.Dir && e.RandomSize == 0:
				img.Files[e.Name] = e.Data
			}
		}
	}
	config := imgspecv1.Image{
		Created:  &imageTime,
		Platform: imgspecv1.Platform{Architecture: runtime.GOARCH, OS: "linux"},
		Config:   imgspecv1.ImageConfig{Cmd: []string{"/bin/sh"}, Env: []string{"PATH=/bin"}},
		RootFS:   imgspecv1.RootFS{Type: "layers", DiffIDs: img.DiffIDs},
	}
	configDesc := writeJSONBlob(t, dir, imgspecv1.MediaTypeImageConfig, config)
	m := imgspecv1.Manifest{MediaType: imgspecv1.MediaTypeImageManifest, Config: configDesc, Layers: descs}
	m.SchemaVersion = 2
	manifestDesc := writeJSONBlob(t, dir, imgspecv1.MediaTypeImageManifest, m)
	img.ManifestDigest = manifestDesc.Digest
	manifestDesc.Annotations = map[string]string{imgspecv1.AnnotationRefName: img.Tag}
	index := imgspecv1.Index{MediaType: imgspecv1.MediaTypeImageIndex, Manifests: []imgspecv1.Descriptor{manifestDesc}}
	index.SchemaVersion = 2
	writeJSON(t, filepath.Join(dir, imgspecv1.ImageIndexFile), index)
	writeJSON(t, filepath.Join(dir, imgspecv1.ImageLayoutFile), imgspecv1.ImageLayout{Version: imgspecv1.ImageLayoutVersion})
	return img
}

// writeLayer streams the layer's tar through gzip into a blob, hashing
// both, and returns its descriptor and DiffID.
func writeLayer(t testing.TB, dir string, layer Layer) (imgspecv1.Descriptor, digest.Digest) {
	t.Helper()
	tmp, err := os.CreateTemp(dir, "layer-*")
	if err != nil {
		t.Fatal(err)
	}
	compressed, uncompressed := sha256.New(), sha256.New()
	counter := &countWriter{}
	gz := gzip.NewWriter(io.MultiWriter(tmp, compressed, counter))
	tw := tar.NewWriter(io.MultiWriter(gz, uncompressed))
	for _, e := range layer {
		writeEntry(t, tw, e)
	}
	for _, c := range []io.Closer{tw, gz, tmp} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	d := digest.NewDigestFromEncoded(digest.SHA256, hex.EncodeToString(compressed.Sum(nil)))
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp.Name(), blobPath(dir, d)); err != nil {
		t.Fatal(err)
	}
	desc := imgspecv1.Descriptor{MediaType: imgspecv1.MediaTypeImageLayerGzip, Digest: d, Size: counter.n}
	return desc, digest.NewDigestFromEncoded(digest.SHA256, hex.EncodeToString(uncompressed.Sum(nil)))
}

func writeEntry(t testing.TB, tw *tar.Writer, e Entry) {
	t.Helper()
	h := &tar.Header{Name: e.Name, Mode: e.Mode, ModTime: imageTime, Typeflag: tar.TypeReg, Size: int64(len(e.Data)), Format: tar.FormatPAX}
	var body io.Reader
	switch {
	case e.Dir:
		h.Typeflag, h.Name, h.Size = tar.TypeDir, e.Name+"/", 0
	case e.Link != "":
		h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.Link, 0
	case e.RandomSize > 0:
		h.Size = e.RandomSize
		seed := sha256.Sum256([]byte(e.Name))
		body = io.LimitReader(rand.NewChaCha8(seed), e.RandomSize)
	default:
		body = bytesReader(e.Data)
	}
	if err := tw.WriteHeader(h); err != nil {
		t.Fatal(err)
	}
	if body != nil {
		if _, err := io.Copy(tw, body); err != nil {
			t.Fatal(err)
		}
	}
}

func writeJSONBlob(t testing.TB, dir, mediaType string, v any) imgspecv1.Descriptor {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	d := digest.FromBytes(b)
	writeFileMode(t, blobPath(dir, d), b, 0o644)
	return imgspecv1.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(b))}
}

func writeJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	writeFileMode(t, path, b, 0o644)
}

func blobPath(dir string, d digest.Digest) string {
	return filepath.Join(dir, "blobs", d.Algorithm().String(), d.Encoded())
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
