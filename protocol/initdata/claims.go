package initdata

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Keys of Data that Claims interprets, as upstream does.
const (
	keyAATOML         = "aa.toml"
	keyCDHTOML        = "cdh.toml"
	keyAgentPolicy    = "policy.rego"
	keyPolicyClaims   = "agent_policy_claims"
	policyDataPattern = "policy_data := {"
)

// Claims is the "init_data_claims" object of the AS policy input and the
// EAR annotated evidence, built like upstream's parse_init_data: the Data
// map, with "aa.toml" and "cdh.toml" parsed into objects when they are valid
// TOML, and "policy.rego" replaced by "agent_policy_claims" (the JSON of its
// trailing `policy_data := {...}`) when that JSON parses. Values that do not
// parse are kept as strings. JSON numbers come back as json.Number.
func (d *Document) Claims() (map[string]any, error) {
	claims := make(map[string]any, len(d.Data))
	for name, content := range d.Data {
		claims[name] = content
	}
	for _, name := range []string{keyAATOML, keyCDHTOML} {
		content, ok := d.Data[name]
		if !ok {
			continue
		}
		var table map[string]any
		if _, err := toml.Decode(content, &table); err != nil {
			continue
		}
		converted, err := tomlToJSON(table)
		if err != nil {
			return nil, fmt.Errorf("init-data %s: %w", name, err)
		}
		claims[name] = converted
	}
	if rego, ok := d.Data[keyAgentPolicy]; ok {
		if policyData, ok := extractPolicyData(rego); ok {
			delete(claims, keyAgentPolicy)
			claims[keyPolicyClaims] = policyData
		}
	}
	return claims, nil
}

// extractPolicyData parses the text from the brace of the first
// `policy_data := {` to the end of the file as one JSON value. Kata's
// genpolicy writes policy_data last, so nothing but whitespace may follow.
func extractPolicyData(rego string) (any, bool) {
	start := strings.Index(rego, policyDataPattern)
	if start < 0 {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(rego[start+len(policyDataPattern)-1:]))
	dec.UseNumber()
	var value any
	if err := dec.Decode(&value); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return value, true
}

// tomlToJSON turns a decoded TOML value into one encoding/json can write,
// as serde_json::to_value(toml::Value) does: non-finite floats become null.
// Dates and times become their TOML text (upstream emits an internal
// "$__toml_private_datetime" wrapper object that no policy relies on).
func tomlToJSON(value any) (any, error) {
	switch v := value.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for key, item := range v {
			converted, err := tomlToJSON(item)
			if err != nil {
				return nil, err
			}
			out[key] = converted
		}
		return out, nil
	case []map[string]any: // an array of tables
		items := make([]any, len(v))
		for i, item := range v {
			items[i] = item
		}
		return tomlToJSON(items)
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			converted, err := tomlToJSON(item)
			if err != nil {
				return nil, err
			}
			out[i] = converted
		}
		return out, nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, nil
		}
		return v, nil
	case time.Time:
		return formatTOMLTime(v), nil
	case string, bool, int64:
		return v, nil
	default:
		return nil, fmt.Errorf("unexpected TOML value of type %T", value)
	}
}

// formatTOMLTime writes a TOML date-time the way it was written; the TOML
// decoder marks local dates and times with these zone names.
func formatTOMLTime(t time.Time) string {
	switch t.Location().String() {
	case "datetime-local":
		return t.Format("2006-01-02T15:04:05.999999999")
	case "date-local":
		return t.Format("2006-01-02")
	case "time-local":
		return t.Format("15:04:05.999999999")
	default:
		return t.Format(time.RFC3339Nano)
	}
}
