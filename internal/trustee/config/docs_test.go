package config

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// acceptedKeys lists every key the schema accepts, dotted, with "[]" after
// arrays of tables; tables are listed through their leaves, except opaque
// maps and settings-less tables, which are leaves themselves.
func acceptedKeys() []string {
	keys := walkKeys(reflect.TypeFor[Config](), "")
	// Legacy sections are documented key by key, not sub-key by sub-key:
	// attestation_token_config has attestation_token_broker's keys.
	legacySections := reflect.TypeFor[legacy]()
	for i := range legacySections.NumField() {
		section := legacySections.Field(i)
		for j := range section.Type.NumField() {
			keys = append(keys, tomlName(section)+"."+tomlName(section.Type.Field(j)))
		}
	}
	return keys
}

func walkKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := range t.NumField() {
		field := t.Field(i)
		name := tomlName(field)
		if name == "-" {
			continue
		}
		key := prefix + name
		ft := field.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Struct && ft.NumField() > 0:
			keys = append(keys, walkKeys(ft, key+".")...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			keys = append(keys, walkKeys(ft.Elem(), key+"[].")...)
		default:
			keys = append(keys, key)
		}
	}
	return keys
}

func tomlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	return name
}

func readDocs(t *testing.T) string {
	t.Helper()
	// go test runs in the package directory, three levels below the root.
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// Every key the structs accept is documented, so the page cannot rot.
func TestEveryKeyIsDocumented(t *testing.T) {
	docs := readDocs(t)
	keys := acceptedKeys()
	if len(keys) < 60 {
		t.Fatalf("only %d keys found; the walker is broken", len(keys))
	}
	for _, key := range keys {
		if !strings.Contains(docs, "`"+key+"`") {
			t.Errorf("docs/configuration.md does not document `%s`", key)
		}
	}
}

var tomlBlock = regexp.MustCompile("(?s)```toml\n(.*?)```")

// Every TOML example in the page is a valid configuration.
func TestDocsExamplesParse(t *testing.T) {
	blocks := tomlBlock.FindAllStringSubmatch(readDocs(t), -1)
	if len(blocks) == 0 {
		t.Fatal("no toml examples in docs/configuration.md")
	}
	for i, b := range blocks {
		if _, err := Parse([]byte(b[1])); err != nil {
			t.Errorf("example %d does not parse:\n%s\n%v", i, b[1], err)
		}
	}
}
