package ccel

import (
	"crypto/sha512"
	"encoding/binary"
)

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func sha384(b []byte) []byte {
	d := sha512.Sum384(b)
	return d[:]
}
