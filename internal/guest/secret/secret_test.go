package secret

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/guest/resourceuri"
	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

const fixtures = "guest-components/cdh/sealed-secret/"

// kbsResources is an in-memory KBS resource store for unit tests; the CDH
// tests run the same paths against a real Trustee.
type kbsResources map[string][]byte

func (r kbsResources) GetResource(_ context.Context, uri resourceuri.URI) ([]byte, error) {
	v, ok := r[uri.KBSPath()]
	if !ok {
		return nil, errors.New("resource not found")
	}
	return append([]byte(nil), v...), nil
}

// keyDir writes the upstream test key as the local verification key "test-key".
func keyDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "test-key"), upstream.Read(t, fixtures+"test-key.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func mustSeal(t testing.TB, s *Secret, keyFile, kid string) string {
	t.Helper()
	key, err := ParseSigningKey(upstream.Read(t, fixtures+keyFile))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := Seal(s, key, kid)
	if err != nil {
		t.Fatal(err)
	}
	return sealed
}

func vaultSecret(name string) *Secret {
	return &Secret{Version: Version, Vault: &Vault{Name: name, Provider: "kbs"}}
}

func TestUpstreamPayloadFixtures(t *testing.T) {
	empty := map[string]any{}
	cases := map[string]*Secret{
		"envelope-1.json": {Version: "0.1.0", Envelope: &Envelope{
			Provider: "aliyun", KeyID: "xxx", EncryptedKey: "yyy", EncryptedData: "zzz",
			WrapType: A256GCM, IV: "www", ProviderSettings: empty, Annotations: empty,
		}},
		"vault-1.json": {Version: "0.1.0", Vault: &Vault{Name: "xxx", Provider: "aliyun", ProviderSettings: empty, Annotations: empty}},
		"vault-2.json": {Version: "0.1.0", Vault: &Vault{Name: "kbs:///one/2/trois", Provider: "kbs", ProviderSettings: empty, Annotations: empty}},
	}
	for file, want := range cases {
		raw := upstream.Read(t, fixtures+file)
		got, err := ParsePayload(raw)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v", file, got)
		}
		// Our serialisation is JSON-equal to upstream's file.
		ours, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		_ = json.Unmarshal(raw, &a)
		_ = json.Unmarshal(ours, &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: re-serialised as %s", file, ours)
		}
	}
}

func TestSealOpenRoundTripWithLocalKey(t *testing.T) {
	u := &Unsealer{KeyDir: keyDir(t), Resources: kbsResources{"one/2/trois": []byte("s3cret")}}
	sealed := mustSeal(t, vaultSecret("kbs:///one/2/trois"), "test-key.json", "test-key")
	if !strings.HasPrefix(sealed, "sealed.") || strings.Count(sealed, ".") != 3 || strings.Contains(sealed, "=") {
		t.Fatalf("bad shape %q", sealed)
	}
	header, _ := base64.RawURLEncoding.DecodeString(strings.Split(sealed, ".")[1])
	if string(header) != `{"alg":"ES256","kid":"test-key"}` {
		t.Fatalf("header %s", header)
	}
	plain, err := u.Unseal(context.Background(), []byte(sealed))
	if err != nil || string(plain) != "s3cret" {
		t.Fatalf("Unseal = %q, %v", plain, err)
	}
}

// Upstream's check_tampering: a change in header, payload or signature fails.
func TestTamperingFails(t *testing.T) {
	u := &Unsealer{KeyDir: keyDir(t), Resources: kbsResources{"one/2/trois": []byte("x")}}
	sealed := mustSeal(t, vaultSecret("kbs:///one/2/trois"), "test-key.json", "test-key")
	for _, off := range []int{20, 50, 150, len(sealed) - 10} {
		b := []byte(sealed)
		if b[off] == 'X' {
			b[off] = 'Y'
		} else {
			b[off] = 'X'
		}
		if _, err := u.Unseal(context.Background(), b); err == nil {
			t.Errorf("tampering at %d went unnoticed", off)
		}
	}
}

func TestWrongKeyFails(t *testing.T) {
	u := &Unsealer{KeyDir: keyDir(t)}
	sealed := mustSeal(t, vaultSecret("kbs:///one/2/trois"), "test-key-2.json", "test-key")
	_, err := u.Unseal(context.Background(), []byte(sealed))
	if !errors.Is(err, ErrSignature) {
		t.Fatalf("got %v, want ErrSignature", err)
	}
}

func TestKidAsResourceURIIsFetchedFromKBS(t *testing.T) {
	u := &Unsealer{
		KeyDir:    t.TempDir(),
		Resources: kbsResources{"default/signing/k1": upstream.Read(t, fixtures+"test-key.json"), "one/2/trois": []byte("v")},
	}
	sealed := mustSeal(t, vaultSecret("kbs:///one/2/trois"), "test-key.json", "kbs:///default/signing/k1")
	if plain, err := u.Unseal(context.Background(), []byte(sealed)); err != nil || string(plain) != "v" {
		t.Fatalf("Unseal = %q, %v", plain, err)
	}
	missing := mustSeal(t, vaultSecret("kbs:///one/2/trois"), "test-key.json", "kbs:///default/signing/absent")
	if _, err := u.Unseal(context.Background(), []byte(missing)); !errors.Is(err, ErrVerificationKey) {
		t.Fatalf("missing key: %v", err)
	}
}

func TestLocalKidCannotLeaveKeyDir(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "keys")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// A valid key outside the directory, reachable by "..", a link or an absolute path.
	outside := filepath.Join(parent, "outside")
	if err := os.WriteFile(outside, upstream.Read(t, fixtures+"test-key.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	u := &Unsealer{KeyDir: dir}
	for _, kid := range []string{"../outside", "link", outside} {
		sealed := mustSeal(t, vaultSecret("kbs:///a/b/c"), "test-key.json", kid)
		if _, err := u.Unseal(context.Background(), []byte(sealed)); !errors.Is(err, ErrVerificationKey) {
			t.Errorf("kid %q: got %v, want ErrVerificationKey", kid, err)
		}
	}
}

func TestVersionAndProviderChecks(t *testing.T) {
	u := &Unsealer{KeyDir: keyDir(t), Resources: kbsResources{"a/b/c": []byte("v")}}
	s := vaultSecret("kbs:///a/b/c")
	s.Version = "0.2.0"
	if _, err := u.Unseal(context.Background(), []byte(mustSeal(t, s, "test-key.json", "test-key"))); !errors.Is(err, ErrVersion) {
		t.Errorf("version: %v", err)
	}
	s = vaultSecret("kbs:///a/b/c")
	s.Vault.Provider = "aliyun"
	if _, err := u.Unseal(context.Background(), []byte(mustSeal(t, s, "test-key.json", "test-key"))); !errors.Is(err, ErrUnsupportedProvider) {
		t.Errorf("provider: %v", err)
	}
	s = vaultSecret("kbs:///a/../c")
	if _, err := u.Unseal(context.Background(), []byte(mustSeal(t, s, "test-key.json", "test-key"))); !errors.Is(err, resourceuri.ErrInvalid) {
		t.Errorf("bad name: %v", err)
	}
}

func TestEnvelopeWithKBSKey(t *testing.T) {
	kek := []byte("0123456789abcdef0123456789abcdef")
	s, err := NewKBSEnvelope("kbs:///default/kek/1", kek, []byte("envelope plaintext"))
	if err != nil {
		t.Fatal(err)
	}
	sealed := mustSeal(t, s, "test-key.json", "test-key")
	u := &Unsealer{KeyDir: keyDir(t), Resources: kbsResources{"default/kek/1": kek}}
	plain, err := u.Unseal(context.Background(), []byte(sealed))
	if err != nil || string(plain) != "envelope plaintext" {
		t.Fatalf("Unseal = %q, %v", plain, err)
	}
	u.Resources = kbsResources{"default/kek/1": []byte("another key of thirty-two bytes!")}
	if _, err := u.Unseal(context.Background(), []byte(sealed)); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("wrong KEK: %v", err)
	}
}

func TestAlgorithmMustBeES256(t *testing.T) {
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","kid":"test-key"}`))
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{}`))
	sig := base64.RawURLEncoding.EncodeToString(make([]byte, 64))
	u := &Unsealer{KeyDir: keyDir(t)}
	_, err := u.Unseal(context.Background(), []byte("sealed."+header+"."+payload+"."+sig))
	if err == nil || !strings.Contains(err.Error(), "must be ES256") {
		t.Fatalf("got %v", err)
	}
}

func TestLegacyUnsignedOnlyWithoutVerification(t *testing.T) {
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"version":"0.1.0","type":"vault","name":"kbs:///a/b/c","provider":"kbs","provider_settings":{},"annotations":{}}`))
	legacy := []byte("sealed.fakejwsheader." + payload + ".fakesignature")
	strict := &Unsealer{KeyDir: keyDir(t), Resources: kbsResources{"a/b/c": []byte("v")}}
	if _, err := strict.Unseal(context.Background(), legacy); !errors.Is(err, ErrMalformed) {
		t.Fatalf("legacy with verification on: %v", err)
	}
	lax := &Unsealer{SkipVerification: true, Resources: kbsResources{"a/b/c": []byte("v")}}
	if plain, err := lax.Unseal(context.Background(), legacy); err != nil || string(plain) != "v" {
		t.Fatalf("legacy with verification off: %q, %v", plain, err)
	}
}

func TestMalformedInputs(t *testing.T) {
	u := &Unsealer{KeyDir: keyDir(t)}
	for _, in := range []string{
		"", "sealed.", "sealed.a.b", "notsealed.a.b.c", "sealed.a.b.c.d",
		"sealed.e30.e30." + strings.Repeat("A", 86), // header {} without alg
		"sealed.\xff.a.b",
	} {
		if _, err := u.Unseal(context.Background(), []byte(in)); err == nil {
			t.Errorf("Unseal(%q) succeeded", in)
		}
	}
	for _, payload := range []string{
		`null`, `[]`, `{"version":"0.1.0"}`, `{"version":"0.1.0","type":"other"}`,
		`{"version":"0.1.0","type":"vault","name":"x","provider":"kbs","provider_settings":null,"annotations":{}}`,
		`{"version":"0.1.0","type":"vault","name":1,"provider":"kbs","provider_settings":{},"annotations":{}}`,
		`{"version":"0.1.0","type":"envelope","key_id":"k","encrypted_key":"","encrypted_data":"","wrap_type":"A128GCM","iv":"","provider":"kbs","provider_settings":{},"annotations":{}}`,
	} {
		if _, err := ParsePayload([]byte(payload)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParsePayload(%s) = %v", payload, err)
		}
	}
}

func TestSigningKeyMustMatchItsPublicKey(t *testing.T) {
	var a, b map[string]any
	_ = json.Unmarshal(upstream.Read(t, fixtures+"test-key.json"), &a)
	_ = json.Unmarshal(upstream.Read(t, fixtures+"test-key-2.json"), &b)
	a["d"] = b["d"]
	mixed, _ := json.Marshal(a)
	if _, err := ParseSigningKey(mixed); !errors.Is(err, ErrVerificationKey) {
		t.Fatalf("got %v", err)
	}
}

func TestGeneratedKeyRoundTrip(t *testing.T) {
	priv, err := GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	privJWK, _ := PrivateJWK(priv, "k")
	pubJWK, _ := PublicJWK(&priv.PublicKey, "k")
	pb, _ := json.Marshal(privJWK)
	ub, _ := json.Marshal(pubJWK)
	back, err := ParseSigningKey(pb)
	if err != nil || !back.Equal(priv) {
		t.Fatalf("private JWK round trip: %v", err)
	}
	pub, err := ParseVerificationKey(ub)
	if err != nil || !pub.Equal(&priv.PublicKey) {
		t.Fatalf("public JWK round trip: %v", err)
	}
	if _, err := ParseSigningKey(ub); err == nil {
		t.Fatal("a public JWK parsed as a signing key")
	}
}

func TestWrapTypes(t *testing.T) {
	key := make([]byte, 32)
	for _, c := range []struct {
		w  WrapType
		iv int
	}{{A256GCM, 12}, {A256CTR, 16}} {
		iv := make([]byte, c.iv)
		ct, err := Encrypt(c.w, key, iv, []byte("hello"))
		if err != nil {
			t.Fatal(err)
		}
		pt, err := Decrypt(c.w, key, iv, ct)
		if err != nil || string(pt) != "hello" {
			t.Fatalf("%s: %q %v", c.w, pt, err)
		}
		if _, err := Decrypt(c.w, key, iv[1:], ct); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s short IV: %v", c.w, err)
		}
	}
	if _, err := Decrypt(A256GCM, key[:16], make([]byte, 12), nil); !errors.Is(err, ErrDecrypt) {
		t.Errorf("short key: %v", err)
	}
}
