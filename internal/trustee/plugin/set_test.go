package plugin

import (
	"context"
	"testing"
)

func TestNewSetRejectsReservedAndDuplicateNames(t *testing.T) {
	if _, err := NewSet(Sample{}, Sample{}); err == nil {
		t.Error("duplicate plugin accepted")
	}
	if _, err := NewSet(named("auth")); err == nil {
		t.Error("plugin shadowing /auth accepted")
	}
	s, err := NewSet(Sample{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Get("sample"); !ok {
		t.Error("sample not found")
	}
	if _, ok := s.Get("nope"); ok {
		t.Error("unknown plugin found")
	}
}

// named is a Sample answering to another name.
type named string

func (n named) Name() string            { return string(n) }
func (named) RequiresAdmin(string) bool { return true }
func (named) Encrypted(string) bool     { return false }
func (named) Handle(ctx context.Context, r *Request) ([]byte, error) {
	return Sample{}.Handle(ctx, r)
}
