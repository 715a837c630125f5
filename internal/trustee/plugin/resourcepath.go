package plugin

import (
	"fmt"
	"strings"
)

// ResourcePath names a resource as <repository>/<type>/<tag>.
type ResourcePath struct {
	Repository, Type, Tag string
}

// String is the storage key and metric label of the resource.
func (p ResourcePath) String() string {
	return p.Repository + "/" + p.Type + "/" + p.Tag
}

// ParseResourcePath accepts exactly three segments, each matching upstream's
// [a-zA-Z0-9_\-]+[a-zA-Z0-9_\-\.]*: a segment never starts with a dot, so
// "." and ".." cannot reach a file-backed store.
func ParseResourcePath(segments []string) (ResourcePath, error) {
	if len(segments) != 3 {
		return ResourcePath{}, fmt.Errorf("%w: want <repository>/<type>/<tag>, got %d segments", ErrInvalidPath, len(segments))
	}
	for _, s := range segments {
		if !validSegment(s) {
			return ResourcePath{}, fmt.Errorf("%w: illegal segment %q in %q", ErrInvalidPath, s, strings.Join(segments, "/"))
		}
	}
	return ResourcePath{Repository: segments[0], Type: segments[1], Tag: segments[2]}, nil
}

func validSegment(s string) bool {
	if s == "" || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '_', c == '-', c == '.':
		default:
			return false
		}
	}
	return true
}
