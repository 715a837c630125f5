package gencache

import (
	"strconv"
	"testing"
)

func TestEvictionByGeneration(t *testing.T) {
	c := New[string, int](2)
	for i := range 3 {
		c.Put("t"+strconv.Itoa(i), i)
	}
	// t0 and t1 filled a generation; t2 started the next one.
	if v, ok := c.Get("t0"); !ok || v != 0 {
		t.Fatalf("t0 = %d, %v after one generation", v, ok)
	}
	// The hit moved t0 to the current generation, which is now full (t2,
	// t0), so t3 retires it together with t2 and drops t1.
	c.Put("t3", 3)
	for name, want := range map[string]bool{"t0": true, "t1": false, "t2": true, "t3": true} {
		if _, ok := c.Get(name); ok != want {
			t.Errorf("%s present = %v, want %v", name, ok, want)
		}
	}
	if n := c.Len(); n > 4 {
		t.Errorf("%d entries kept, more than two generations of 2", n)
	}
}

func TestPutReplaces(t *testing.T) {
	c := New[string, int](4)
	c.Put("k", 1)
	c.Put("k", 2)
	if v, _ := c.Get("k"); v != 2 {
		t.Errorf("k = %d, want 2", v)
	}
}
