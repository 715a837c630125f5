package jsonscan

import (
	"strings"
	"testing"
)

func TestDepthLimit(t *testing.T) {
	for _, depth := range []int{MaxDepth, MaxDepth + 1} {
		for _, text := range []string{
			strings.Repeat("[", depth) + strings.Repeat("]", depth),
			strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth),
		} {
			if _, err := wholeValue(text); (err != nil) != (depth > MaxDepth) {
				t.Errorf("depth %d of %.8s: %v", depth, text, err)
			}
			checkValue(t, []byte(text))
			checkMembers(t, []byte(text))
			checkMapMembers(t, []byte(text))
		}
	}
}

// TestWalkingObjects decodes nested containers through the callbacks, as
// a decoder into Go values does.
func TestWalkingObjects(t *testing.T) {
	s := New(`{"a":[1,{"b":"c"}],"d":true}`)
	var got []string
	var walk func() error
	walk = func() error {
		switch s.Peek() {
		case '{':
			return s.Object(func(name string) error {
				got = append(got, name)
				return walk()
			})
		case '[':
			return s.Array(walk)
		}
		raw, err := s.Value()
		got = append(got, raw)
		return err
	}
	if err := walk(); err != nil {
		t.Fatal(err)
	}
	if want := `a 1 b "c" d true`; strings.Join(got, " ") != want {
		t.Fatalf("walked %q, want %s", got, want)
	}
}

// TestMisplacedCursor checks that a walk that calls the wrong method, or
// a member callback that does not consume its value, gets an error.
func TestMisplacedCursor(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		walk       func(s *Scanner[string]) error
	}{
		{"Object on an array", `[1]`, func(s *Scanner[string]) error { return s.Object(nil) }},
		{"Array on an object", `{}`, func(s *Scanner[string]) error { return s.Array(nil) }},
		{"member not consumed", `{"a":2}`, func(s *Scanner[string]) error { return s.Object(func(string) error { return nil }) }},
		{"element not consumed", `[2]`, func(s *Scanner[string]) error { return s.Array(func() error { return nil }) }},
		{"Value at the end", ``, func(s *Scanner[string]) error { _, err := s.Value(); return err }},
	} {
		s := New(tc.text)
		if err := tc.walk(&s); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{`plain`, "plain"},
		{`caf\u00e9 \"q\" \\ \/ \n`, "café \"q\" \\ / \n"},
		{`\ud83d\ude00 \ud800`, "😀 \ufffd"},
		{"é", "é"},
		{"a\xffb", "a\ufffdb"},
	} {
		if got, err := Text(tc.raw); err != nil || got != tc.want {
			t.Errorf("Text(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
		}
	}
	// Text does not check contents that need no decoding; these do.
	for _, raw := range []string{`\q`, `\u12`, `a"b\n`, "\x01\\n"} {
		if got, err := Text([]byte(raw)); err == nil {
			t.Errorf("Text(%q) = %q, not an error", raw, got)
		}
	}
}
