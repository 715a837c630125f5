package policy

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestRegoVersions(t *testing.T) {
	modules := map[string]string{
		"v0": `package policy
default allow = false
allow { input.ok == true; data.plugin == "resource" }
`,
		"v0 with future.keywords": `package policy
import future.keywords.if
import future.keywords.in
default allow := false
allow if { "resource" in {data.plugin} ; input.ok }
`,
		"v1 without import": `package policy
default allow := false
allow if { input.ok; data.plugin == "resource" }
`,
		"v1 with import": `package policy
import rego.v1
default allow := false
allow if { input.ok; data.plugin == "resource" }
`,
		"v0 partial set": `package policy
default allow = false
granted[p] { p := data.plugin; input.ok }
allow { granted["resource"] }
`,
		"v1 partial set": `package policy
default allow := false
granted contains p if { p := data.plugin; input.ok }
allow if "resource" in granted
`,
	}
	e := NewEngine(nil)
	ctx := context.Background()
	for name, module := range modules {
		t.Run(name, func(t *testing.T) {
			if err := e.Check(ctx, module, KindResource); err != nil {
				t.Fatalf("Check: %v", err)
			}
			for _, ok := range []bool{true, false} {
				got, err := e.Allow(ctx, module, map[string]any{"ok": ok}, resourceData("resource"))
				if err != nil {
					t.Fatal(err)
				}
				if got != ok {
					t.Fatalf("allow = %v with input.ok = %v", got, ok)
				}
			}
		})
	}
}

var position = regexp.MustCompile(`\b\d+:\d+: rego_`)

func TestInvalidPolicyCarriesPosition(t *testing.T) {
	cases := map[string]struct {
		module string
		where  string // line:col expected in the message
		about  string
	}{
		"v1 syntax error":          {"package policy\nimport rego.v1\nallow if {\n  input.x ==\n}\n", "", "rego_parse_error"},
		"v0 syntax error":          {"package policy\n\nallow {\n  input.x = = 1\n}\n", "4:", "rego_parse_error"},
		"unsafe var":               {"package policy\nimport rego.v1\nallow if { x == 1 }\n", "3:12", "var x is unsafe"},
		"unknown builtin":          {"package policy\nimport rego.v1\nallow if { nosuch(1) }\n", "3:12", "undefined function nosuch"},
		"type error":               {"package policy\nimport rego.v1\nallow if { query_reference_value(1) }\n", "3:12", "query_reference_value"},
		"strict: unused":           {"package policy\nimport rego.v1\nallow if { x := 1; input.y }\n", "3:12", "assigned var x unused"},
		"v0 missing if in v1 text": {"package policy\nimport rego.v1\nallow { input.x }\n", "3:1", "`if` keyword is required"},
		"wrong package":            {"package other\nallow := true\n", "1:1", `package must be "policy"`},
		"network builtin":          {"package policy\nimport rego.v1\nallow if { http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1\"}) }\n", "3:12", "http.send"},
	}
	e := NewEngine(nil)
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			err := e.Check(context.Background(), c.module, KindResource)
			if !errors.Is(err, ErrInvalidPolicy) {
				t.Fatalf("Check = %v, want ErrInvalidPolicy", err)
			}
			msg := err.Error()
			if !position.MatchString(msg) || !strings.Contains(msg, c.where) || !strings.Contains(msg, c.about) {
				t.Fatalf("error %q lacks position %q or %q", msg, c.where, c.about)
			}
			// The same text stays refused for evaluation.
			if _, err := e.Allow(context.Background(), c.module, map[string]any{}, nil); !errors.Is(err, ErrInvalidPolicy) {
				t.Fatalf("Allow = %v, want ErrInvalidPolicy", err)
			}
		})
	}
}

func TestCheckUnknownKind(t *testing.T) {
	if err := NewEngine(nil).Check(context.Background(), "package policy\n", Kind(7)); err == nil {
		t.Fatal("Check accepted an unknown kind")
	}
}
