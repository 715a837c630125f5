package initdata

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/protocol/kbs"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

const upstreamWithPolicy = "trustee/initdata/init-data-with-policy.toml"

func TestParseUpstreamDocumentWithPolicy(t *testing.T) {
	body := upstream.Read(t, upstreamWithPolicy)
	doc, err := Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Version != "0.1.0" || doc.Algorithm != kbs.SHA256 {
		t.Errorf("version %q algorithm %q", doc.Version, doc.Algorithm)
	}
	if len(doc.Data) != 1 || !strings.HasPrefix(doc.Data["policy.rego"], "# Copyright (c) 2023 Microsoft") {
		t.Errorf("data keys: %d", len(doc.Data))
	}
	digest, err := doc.Digest(body)
	if err != nil {
		t.Fatal(err)
	}
	const want = "0deccded0d87ec44702c7330fac3eb936b68dcca5c9f6b5df1fb3480c0b525ac"
	if hex.EncodeToString(digest) != want {
		t.Errorf("digest %x, want %s", digest, want)
	}
}

// Each algorithm hashes the raw bytes as received, whitespace included.
func TestDigestPerAlgorithmOverRawBytes(t *testing.T) {
	original := upstream.Read(t, upstreamWithPolicy)
	sum384 := func(b []byte) []byte { d := sha512.Sum384(b); return d[:] }
	sum512 := func(b []byte) []byte { d := sha512.Sum512(b); return d[:] }
	sum256 := func(b []byte) []byte { d := sha256.Sum256(b); return d[:] }
	for _, c := range []struct {
		name string
		sum  func([]byte) []byte
	}{{"sha256", sum256}, {"sha384", sum384}, {"sha512", sum512}} {
		body := bytes.Replace(original, []byte("algorithm = 'sha256'"), []byte("algorithm = '"+c.name+"'"), 1)
		body = append(body, "\n\n"...)
		doc, err := Parse(body)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, err := doc.Digest(body)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, c.sum(body)) {
			t.Errorf("%s: digest is not over the raw body", c.name)
		}
		if trimmed, _ := doc.Digest(bytes.TrimSpace(body)); bytes.Equal(trimmed, got) {
			t.Errorf("%s: digest ignored whitespace", c.name)
		}
	}
}

func TestParseRefusals(t *testing.T) {
	cases := []struct {
		name, body, mention string
	}{
		{"IANA name", "version = \"0.1.0\"\nalgorithm = \"sha-384\"\n[data]\n", `did you mean "sha384"`},
		{"upper case", "version = \"0.1.0\"\nalgorithm = \"SHA256\"\n[data]\n", `did you mean "sha256"`},
		{"sm3", "version = \"0.1.0\"\nalgorithm = \"sm3\"\n[data]\n", "sha256, sha384 or sha512"},
		{"unknown key", "version = \"0.1.0\"\nalgorithm = \"sha256\"\nhash = \"sha256\"\n[data]\n", `unknown key "hash"`},
		{"unknown table", "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n[extra]\nx = 1\n", `unknown key "extra`},
		{"no data", "version = \"0.1.0\"\nalgorithm = \"sha256\"\n", `missing "data"`},
		{"no algorithm", "version = \"0.1.0\"\n[data]\n", `missing "algorithm"`},
		{"no version", "algorithm = \"sha256\"\n[data]\n", `missing "version"`},
		{"other version", "version = \"0.2.0\"\nalgorithm = \"sha256\"\n[data]\n", `version "0.2.0"`},
		{"non-string data", "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n\"aa.toml\" = 3\n", ""},
		{"nested data", "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data.aa]\nx = \"y\"\n", ""},
		{"not TOML", "version = ", ""},
		{"empty", "", `missing "version"`},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.body))
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", c.name, err)
			continue
		}
		if !strings.Contains(err.Error(), c.mention) {
			t.Errorf("%s: %q does not mention %q", c.name, err, c.mention)
		}
	}
}
