//go:build !linux

package storage

import "os"

// No value cache outside Linux: every Get reads the key's file.
type valueCache struct{}

func newValueCache(string) *valueCache { return nil }

func (s *LocalFs) readValue(namespace, key string) (value []byte, shared bool, err error) {
	v, err := os.ReadFile(s.keyPath(namespace, key))
	return v, false, err
}

func (*LocalFs) forgetValue(string, string) {}
