package kbs

import (
	"testing"
	"time"
)

func TestParseCachedToken(t *testing.T) {
	// header {"alg":"none"}; payloads hand-written.
	const header = "eyJhbGciOiJub25lIn0"
	cases := []struct {
		name    string
		payload string // base64url
		wantErr bool
		usable  bool
	}{
		{"exp in far future", "eyJleHAiOjQxMDI0NDQ4MDB9", false, true},                     // {"exp":4102444800}
		{"no exp", "eyJmb28iOjF9", false, false},                                           // {"foo":1}
		{"exp is a string", "eyJleHAiOiJ0b21vcnJvdyJ9", true, false},                       // {"exp":"tomorrow"}
		{"payload not JSON", "bm90IGpzb24", true, false},                                   // not json
		{"nbf in future", "eyJleHAiOjQxMDI0NDQ4MDAsIm5iZiI6NDEwMjQ0NDcwMH0", false, false}, // exp 4102444800, nbf 4102444700
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := parseCachedToken(header + "." + tc.payload + ".sig")
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %t", err, tc.wantErr)
			}
			if err == nil && tok.usableAt(time.Now()) != tc.usable {
				t.Fatalf("usable = %t, want %t", !tc.usable, tc.usable)
			}
		})
	}
	if _, err := parseCachedToken("not-a-jwt"); err == nil {
		t.Fatal("accepted a string that is not a JWT")
	}
}
