package kbs

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestReadBodyReadsToTheEndWhateverTheLength(t *testing.T) {
	body := bytes.Repeat([]byte("answer "), 300)
	for _, contentLength := range []int64{-1, 0, 10, int64(len(body)), int64(len(body)) + 100, maxResponseBody + 1} {
		for name, r := range map[string]io.Reader{
			"whole":    bytes.NewReader(body),
			"one byte": iotest.OneByteReader(bytes.NewReader(body)),
			"data+EOF": iotest.DataErrReader(bytes.NewReader(body)),
		} {
			got, err := readBody(r, contentLength)
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("%s, Content-Length %d: read %d bytes, %v", name, contentLength, len(got), err)
			}
		}
	}
}

func TestReadBodyPassesReadErrors(t *testing.T) {
	r := io.MultiReader(bytes.NewReader([]byte("part")), iotest.ErrReader(io.ErrUnexpectedEOF))
	if _, err := readBody(r, 100); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("readBody = %v, want the read error", err)
	}
}

func TestReadBodyRefusesTooLongAnswers(t *testing.T) {
	for _, contentLength := range []int64{-1, maxResponseBody} {
		if _, err := readBody(io.LimitReader(zeros{}, maxResponseBody+1), contentLength); !errors.Is(err, errBodyTooLarge) {
			t.Fatalf("Content-Length %d: readBody = %v, want errBodyTooLarge", contentLength, err)
		}
	}
	got, err := readBody(io.LimitReader(zeros{}, maxResponseBody), maxResponseBody)
	if err != nil || len(got) != maxResponseBody {
		t.Fatalf("readBody of exactly the limit = %d bytes, %v", len(got), err)
	}
}

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
