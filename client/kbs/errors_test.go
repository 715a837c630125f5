package kbs

import (
	"errors"
	"strings"
	"testing"
)

func TestParseErrorBody(t *testing.T) {
	cases := []struct {
		status int
		body   string
		want   string
	}{
		{401, `{"type":"https://github.com/confidential-containers/kbs/errors/PolicyDeny","detail":"Access denied by policy"}`, "kbs: 401 PolicyDeny: Access denied by policy"},
		{404, `{"type":"https://github.com/confidential-containers/kbs/errors/PluginNotFound","detail":"x"}`, "kbs: 404 PluginNotFound: x"},
		{500, "upstream proxy error\n", "kbs: 500: upstream proxy error"},
		{502, "", "kbs: 502"},
		{401, "\x1b[2Jbad\x00", "kbs: 401: [2Jbad"},
		{401, `{"type":"other/Thing","detail":"d"}`, "kbs: 401 other/Thing: d"},
	}
	for _, tc := range cases {
		got := parseErrorBody(tc.status, strings.NewReader(tc.body)).Error()
		if got != tc.want {
			t.Errorf("%d %q: %q, want %q", tc.status, tc.body, got, tc.want)
		}
	}
}

func TestErrorSentinels(t *testing.T) {
	var err error = &Error{StatusCode: 401}
	if !errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrResourceNotFound) {
		t.Fatal("401 sentinels wrong")
	}
	err = &Error{StatusCode: 404}
	if !errors.Is(err, ErrResourceNotFound) || errors.Is(err, ErrUnauthorized) {
		t.Fatal("404 sentinels wrong")
	}
	if errors.Is(&Error{StatusCode: 500}, ErrUnauthorized) {
		t.Fatal("500 matched ErrUnauthorized")
	}
}

func TestErrorMessageIsBounded(t *testing.T) {
	long := strings.Repeat("é", 2000)
	msg := parseErrorBody(401, strings.NewReader(long)).Error()
	if len(msg) > 1100 || !strings.HasSuffix(msg, "...") {
		t.Fatalf("message of %d bytes, suffix %q", len(msg), msg[len(msg)-5:])
	}
}
