package secret

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"
)

func FuzzUnseal(f *testing.F) {
	dir := keyDir(f)
	res := kbsResources{"a/b/c": []byte("v")}
	f.Add([]byte(mustSeal(f, vaultSecret("kbs:///a/b/c"), "test-key.json", "test-key")), false)
	env, err := NewKBSEnvelope("kbs:///a/b/c", make([]byte, 32), []byte("x"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(mustSeal(f, env, "test-key.json", "test-key")), true)
	f.Add([]byte("sealed.fakejwsheader."+base64.RawURLEncoding.EncodeToString([]byte(`{"version":"0.1.0","type":"vault","name":"kbs:///a/b/c","provider":"kbs","provider_settings":{},"annotations":{}}`))+".fakesignature"), true)
	f.Add([]byte("sealed.e30.e30.e30"), false)
	f.Fuzz(func(t *testing.T, sealed []byte, skip bool) {
		u := &Unsealer{KeyDir: dir, Resources: res, SkipVerification: skip}
		plain, err := u.Unseal(context.Background(), sealed)
		if err == nil && plain == nil {
			t.Fatal("nil plaintext without an error")
		}
	})
}

func FuzzParsePayload(f *testing.F) {
	f.Add([]byte(`{"version":"0.1.0","type":"vault","name":"kbs:///a/b/c","provider":"kbs","provider_settings":{},"annotations":{}}`))
	f.Add([]byte(`{"version":"0.1.0","type":"envelope","key_id":"k","encrypted_key":"","encrypted_data":"","wrap_type":"A256CTR","iv":"","provider":"kbs","provider_settings":{},"annotations":{"a":1}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParsePayload(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		out, err := s.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParsePayload(out); err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
	})
}

func BenchmarkOpenLocalKey(b *testing.B) {
	u := &Unsealer{KeyDir: keyDir(b)}
	sealed := []byte(mustSeal(b, vaultSecret("kbs:///a/b/c"), "test-key.json", "test-key"))
	for b.Loop() {
		if _, err := u.Open(context.Background(), sealed); err != nil {
			b.Fatal(err)
		}
	}
}
