package main

import (
	"errors"
	"io/fs"
	"testing"
)

func TestParseCgroupMemoryMax(t *testing.T) {
	files := map[string]string{
		"/kubepods/pod1": "536870912\n",
		"/unlimited":     "max\n",
		"/":              "1073741824\n",
	}
	read := func(path string) ([]byte, error) {
		if v, ok := files[path]; ok {
			return []byte(v), nil
		}
		return nil, fs.ErrNotExist
	}
	for _, tc := range []struct {
		name, self string
		want       int64
		ok         bool
	}{
		{"container", "0::/kubepods/pod1\n", 536870912, true},
		{"cgroup namespace root", "0::/\n", 1073741824, true},
		{"v1 lines before the unified one", "12:memory:/x\n1:name=systemd:/y\n0::/kubepods/pod1\n", 536870912, true},
		{"no limit", "0::/unlimited\n", 0, false},
		{"no memory.max", "0::/elsewhere\n", 0, false},
		{"cgroup v1 only", "4:memory:/kubepods/pod1\n", 0, false},
		{"path escaping the root is cleaned", "0::/../kubepods/pod1\n", 536870912, true},
		{"empty", "", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseCgroupMemoryMax([]byte(tc.self), read)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("parseCgroupMemoryMax(%q) = %d, %v; want %d, %v", tc.self, got, ok, tc.want, tc.ok)
			}
		})
	}
	if _, ok := parseCgroupMemoryMax([]byte("0::/x\n"), func(string) ([]byte, error) { return nil, errors.New("boom") }); ok {
		t.Fatal("an unreadable memory.max gave a limit")
	}
}

func TestParseMemTotal(t *testing.T) {
	for _, tc := range []struct {
		meminfo string
		want    int64
		ok      bool
	}{
		{"MemTotal:       24684132 kB\nMemFree:        21779584 kB\n", 24684132 << 10, true},
		{"MemFree:        1 kB\nMemTotal: 2048 kB\n", 2048 << 10, true},
		{"MemTotal: lots\n", 0, false},
		{"MemTotal: 2048 MB\n", 0, false},
		{"MemFree: 1 kB\n", 0, false},
		{"", 0, false},
	} {
		got, ok := parseMemTotal([]byte(tc.meminfo))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseMemTotal(%q) = %d, %v; want %d, %v", tc.meminfo, got, ok, tc.want, tc.ok)
		}
	}
}
