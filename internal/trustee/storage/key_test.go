package storage

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateKeyNamesTheKey(t *testing.T) {
	for _, key := range []string{"", "a b", "../etc/passwd", "a//b", strings.Repeat("x", MaxKeyLength+1)} {
		err := ValidateKey(key)
		if !errors.Is(err, ErrInvalidKey) {
			t.Fatalf("ValidateKey(%q) = %v, want ErrInvalidKey", key, err)
		}
		if !strings.Contains(err.Error(), `"`+key+`"`) {
			t.Errorf("error %q does not quote the key %q", err, key)
		}
	}
}

func TestValidateNamespace(t *testing.T) {
	for _, ns := range []string{NamespaceKBS, NamespaceRepository, NamespaceSessions, NamespaceASPolicy, NamespaceReferenceValue} {
		if err := ValidateNamespace(ns); err != nil {
			t.Errorf("upstream namespace %q rejected: %v", ns, err)
		}
	}
	if err := ValidateNamespace("kbs-x"); !errors.Is(err, ErrInvalidNamespace) || !strings.Contains(err.Error(), `"kbs-x"`) {
		t.Errorf(`ValidateNamespace("kbs-x") = %v, want ErrInvalidNamespace naming it`, err)
	}
}

// FuzzKeyFileName checks the key syntax and upstream LocalFs's file-name
// escaping on arbitrary strings, taken both as keys and as names found on
// disk: never a panic, valid keys map to single safe file names and back,
// and a file name is read as a key only if that key maps back to it.
func FuzzKeyFileName(f *testing.F) {
	for _, seed := range []string{
		"", "a", "a/b", "default/key/one", `a\x2Fb`, `a\x2fb`, `\x2F`, `a\x2F\x2Fb`,
		"..", ".", "a/../b", "#cocoon-tmp.123", "resource-policy.rego", "a\x00b", "ключ",
		strings.Repeat("k/", 50) + "kkkkk", strings.Repeat("k/", 50) + "kkkkkk",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = ValidateNamespace(s)
		if err := ValidateKey(s); err != nil {
			if !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("ValidateKey(%q) = %v, not ErrInvalidKey", s, err)
			}
		} else {
			name := keyFileName(s)
			if strings.Contains(name, "/") || name == "." || name == ".." || isTempName(name) || len(name) > MaxKeyLength {
				t.Fatalf("valid key %q maps to unsafe file name %q", s, name)
			}
			if back, ok := keyFromFileName(name); !ok || back != s {
				t.Fatalf("key %q -> %q -> %q, %v", s, name, back, ok)
			}
		}
		if key, ok := keyFromFileName(s); ok {
			if ValidateKey(key) != nil || keyFileName(key) != s {
				t.Fatalf("file name %q read as key %q, which does not map back", s, key)
			}
		}
	})
}
