package rvps

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
)

var registeredAt = time.Date(2026, 11, 26, 18, 25, 6, 700_000_000, time.UTC)

func newTestService(t testing.TB) (*Service, storage.Store) {
	t.Helper()
	store := storage.NewMemory()
	t.Cleanup(func() { store.Close() })
	s := New(store, slog.New(slog.DiscardHandler))
	s.now = func() time.Time { return registeredAt }
	return s, store
}

// sampleMessage builds a message the way kbs-client set-sample-reference-value does.
func sampleMessage(values string) []byte {
	payload := base64.StdEncoding.EncodeToString([]byte(values))
	return []byte(`{"version":"0.1.0","type":"sample","payload":"` + payload + `"}`)
}

func TestRegisterStoresUpstreamRecords(t *testing.T) {
	s, store := newTestService(t)
	ctx := context.Background()
	if err := s.Register(ctx, sampleMessage(`{"svn": ["1"], "launch_digest": ["abc", "def"], "major_version": 1}`)); err != nil {
		t.Fatal(err)
	}
	record, err := store.Get(ctx, storage.NamespaceReferenceValue, "svn")
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"version":"0.1.0","name":"svn","expiration":"2027-11-26T18:25:06Z","value":["1"]}`
	if string(record) != want {
		t.Errorf("stored record\n got %s\nwant %s", record, want)
	}
	names, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(names, []string{"launch_digest", "major_version", "svn"}) {
		t.Errorf("List = %v", names)
	}
	for id, want := range map[string]string{"svn": `["1"]`, "launch_digest": `["abc","def"]`, "major_version": `1`} {
		got, err := s.Query(ctx, id)
		if err != nil || string(got) != want {
			t.Errorf("Query(%s) = %s, %v; want %s", id, got, err, want)
		}
	}
}

func TestRegisterDefaultsVersionAndOverwrites(t *testing.T) {
	s, _ := newTestService(t)
	ctx := context.Background()
	payload := base64.StdEncoding.EncodeToString([]byte(`{"svn": ["1"]}`))
	if err := s.Register(ctx, []byte(`{"type":"sample","payload":"`+payload+`"}`)); err != nil {
		t.Fatalf("message without version: %v", err)
	}
	if err := s.Register(ctx, sampleMessage(`{"svn": ["2"]}`)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Query(ctx, "svn"); string(got) != `["2"]` {
		t.Errorf("Query after re-registration = %s", got)
	}
}

func TestRegisterRefusals(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		name, message, mention string
	}{
		{"other version", `{"version":"0.2.0","type":"sample","payload":"` + b64(`{}`) + `"}`, `version "0.2.0"`},
		{"unknown type", `{"type":"corim","payload":""}`, `unsupported type "corim" (supported: sample)`},
		{"README's provenance", `{"type":"sample","provenance":"` + b64(`{}`) + `"}`, `provenance`},
		{"no type", `{"payload":"` + b64(`{}`) + `"}`, `missing "type"`},
		{"no payload", `{"type":"sample"}`, `missing "payload"`},
		{"not JSON", `{"type":`, ""},
		{"trailing data", `{"type":"sample","payload":"e30="} {}`, "trailing"},
		{"payload not base64", `{"type":"sample","payload":"%%%"}`, "base64"},
		{"payload URL-safe base64", `{"type":"sample","payload":"` + base64.RawURLEncoding.EncodeToString([]byte(`{"a":"?>?"}`)) + `"}`, "base64"},
		{"payload an array", `{"type":"sample","payload":"` + b64(`["svn"]`) + `"}`, "JSON object"},
		{"payload null", `{"type":"sample","payload":"` + b64(`null`) + `"}`, "JSON object"},
		{"payload trailing", `{"type":"sample","payload":"` + b64(`{} []`) + `"}`, "trailing"},
		{"bad name", `{"type":"sample","payload":"` + b64(`{"ok": 1, "not ok": 2}`) + `"}`, "not ok"},
		{"traversal name", `{"type":"sample","payload":"` + b64(`{"../x": 2}`) + `"}`, "../x"},
	}
	for _, c := range cases {
		s, _ := newTestService(t)
		err := s.Register(context.Background(), []byte(c.message))
		if !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("%s: err = %v, want ErrInvalidMessage", c.name, err)
			continue
		}
		if !strings.Contains(err.Error(), c.mention) {
			t.Errorf("%s: %q does not mention %q", c.name, err, c.mention)
		}
		if names, _ := s.List(context.Background()); len(names) != 0 {
			t.Errorf("%s: refused message stored %v", c.name, names)
		}
	}
}

func TestQueryAbsentInvalidAndExpired(t *testing.T) {
	s, store := newTestService(t)
	ctx := context.Background()
	if err := s.Register(ctx, sampleMessage(`{"svn": ["1"]}`)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"absent", "not a key", ""} {
		if got, err := s.Query(ctx, id); got != nil || err != nil {
			t.Errorf("Query(%q) = %s, %v; want nil, nil", id, got, err)
		}
	}

	expiry := time.Date(2027, 11, 26, 18, 25, 6, 0, time.UTC)
	s.now = func() time.Time { return expiry }
	if got, _ := s.Query(ctx, "svn"); string(got) != `["1"]` {
		t.Errorf("value refused at its expiration second: %s", got)
	}
	s.now = func() time.Time { return expiry.Add(time.Second) }
	if got, err := s.Query(ctx, "svn"); got != nil || err != nil {
		t.Errorf("expired value returned: %s, %v", got, err)
	}
	if names, _ := s.List(ctx); !reflect.DeepEqual(names, []string{"svn"}) {
		t.Errorf("List = %v; expired values are still listed", names)
	}

	// A record exactly as upstream RVPS writes it reads back.
	upstream := `{"version":"0.1.0","name":"snp_launch_measurement","expiration":"2099-01-01T00:00:00Z","value":["6a65"]}`
	if err := store.Set(ctx, storage.NamespaceReferenceValue, "snp_launch_measurement", []byte(upstream), true); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Query(ctx, "snp_launch_measurement"); err != nil || string(got) != `["6a65"]` {
		t.Errorf("upstream record: %s, %v", got, err)
	}

	for _, corrupt := range []string{`{`, `{"name":"x","expiration":"2099-01-01T00:00:00Z"}`, `{"value":1,"expiration":"2099-01-01 00:00:00"}`} {
		if err := store.Set(ctx, storage.NamespaceReferenceValue, "corrupt", []byte(corrupt), true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Query(ctx, "corrupt"); err == nil {
			t.Errorf("corrupt record %s read without error", corrupt)
		}
	}
}

func TestDefaultExpirationClampsLikeChrono(t *testing.T) {
	cases := map[time.Time]string{
		registeredAt: "2027-11-26T18:25:06Z",
		time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC):                      "2029-02-28T12:00:00Z",
		time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC):                       "2027-01-31T00:00:00Z",
		time.Date(2026, 12, 31, 23, 59, 59, 999, time.UTC):                 "2027-12-31T23:59:59Z",
		time.Date(2026, 6, 1, 1, 0, 0, 0, time.FixedZone("CEST", 2*60*60)): "2027-05-31T23:00:00Z",
	}
	for now, want := range cases {
		if got := defaultExpiration(now).Format(expirationLayout); got != want {
			t.Errorf("defaultExpiration(%s) = %s, want %s", now, got, want)
		}
	}
}

func TestRegisterPropagatesStoreErrors(t *testing.T) {
	s, _ := newTestService(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Register(ctx, sampleMessage(`{"svn": 1}`)); !errors.Is(err, context.Canceled) {
		t.Errorf("Register with cancelled context: %v", err)
	}
	if _, err := s.List(ctx); err == nil {
		t.Error("List with cancelled context succeeded")
	}
}

// Query is the AS policy's reference value lookup.
var _ policy.RVLookup = (&Service{}).Query

func TestQuerySeesRecordsReplacedInTheStore(t *testing.T) {
	s, store := newTestService(t)
	ctx := context.Background()
	if err := s.Register(ctx, sampleMessage(`{"svn": ["1"]}`)); err != nil {
		t.Fatal(err)
	}
	first, err := s.Query(ctx, "svn")
	if err != nil || string(first) != `["1"]` {
		t.Fatalf("Query = %s, %v", first, err)
	}
	// A caller scribbling on its answer does not change the next one.
	first[2] = '9'
	if got, _ := s.Query(ctx, "svn"); string(got) != `["1"]` {
		t.Fatalf("Query after the caller modified its copy = %s", got)
	}
	// As another replica would: a new value, then an earlier expiration.
	replaced := `{"version":"0.1.0","name":"svn","expiration":"2027-11-26T18:25:06Z","value":["2"]}`
	if err := store.Set(ctx, storage.NamespaceReferenceValue, "svn", []byte(replaced), true); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Query(ctx, "svn"); err != nil || string(got) != `["2"]` {
		t.Fatalf("Query after the store changed = %s, %v", got, err)
	}
	expired := `{"version":"0.1.0","name":"svn","expiration":"2026-11-26T18:25:05Z","value":["2"]}`
	if err := store.Set(ctx, storage.NamespaceReferenceValue, "svn", []byte(expired), true); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Query(ctx, "svn"); got != nil || err != nil {
		t.Fatalf("Query of a record rewritten as expired = %s, %v", got, err)
	}
	if err := store.Delete(ctx, storage.NamespaceReferenceValue, "svn"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Query(ctx, "svn"); got != nil || err != nil {
		t.Fatalf("Query of a deleted record = %s, %v", got, err)
	}
}
