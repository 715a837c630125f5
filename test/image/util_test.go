package image

import "github.com/opencontainers/go-digest"

func digestOf(b []byte) string { return digest.FromBytes(b).String() }
