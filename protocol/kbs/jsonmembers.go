package kbs

import (
	"fmt"

	"github.com/cocoon-cc/cocoon/internal/jsonscan"
)

// The helpers below read the members of a JSON object the way
// json.Unmarshal into a map[string]any sees them, without building the
// map; jsonscan checks the syntax exactly as encoding/json does.

// scanMembers stores in values[i] the raw value of the member named
// names[i] in the JSON text obj, the last one when a name repeats (as a
// map keeps it), nil when absent. Member names are compared after
// unescaping, case-sensitively, as map keys are. Like json.Unmarshal into
// a map[string]any, it accepts null (no members), refuses other
// non-objects and fails on any number, however deep, that does not fit a
// float64.
func scanMembers(obj []byte, names []string, values [][]byte) error {
	s := jsonscan.New(obj)
	s.RefuseFloatOverflow = true
	return s.Members(func(name, value []byte) error {
		key, err := jsonscan.Text(name)
		if err != nil {
			return err
		}
		for k, want := range names {
			if string(key) == want {
				values[k] = value
			}
		}
		return nil
	})
}

// stringValue returns the string a raw JSON value holds, unescaped and with
// invalid UTF-8 replaced as encoding/json does, or an error naming member
// when the value is absent (nil) or not a string.
func stringValue(raw []byte, member string) ([]byte, error) {
	if raw == nil {
		return nil, fmt.Errorf("missing %q", member)
	}
	if raw[0] != '"' {
		return nil, fmt.Errorf("%q is not a string", member)
	}
	return jsonscan.Text(raw[1 : len(raw)-1])
}
