package kbs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

func TestAttestationToken(t *testing.T) {
	cases := []struct {
		body, want string
		wantErr    bool
	}{
		{`{"token":"aGVhZA.cGF5bG9hZA.c2ln"}`, "aGVhZA.cGF5bG9hZA.c2ln", false},
		// Other shapes go through encoding/json and mean the same.
		{` {"token": "a.b.c"}` + "\n", "a.b.c", false},
		{`{"token":"a\u002eb.c"}`, "a.b.c", false},
		{`{"token":"a.b.c","extra":1}`, "a.b.c", false},
		{`{"Token":"a.b.c"}`, "a.b.c", false},
		{`{"token":"a.b.c"}}`, "", true},
		{`{"token":"a\"b"}`, `a"b`, false},
		{`{"token":"a.b.c"`, "", true},
		{`not json`, "", true},
	}
	for _, tc := range cases {
		got, err := attestationToken([]byte(tc.body))
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("attestationToken(%s) = %q, %v; want %q, error %t", tc.body, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestSessionCookie(t *testing.T) {
	cases := []struct {
		lines []string
		want  string
	}{
		{[]string{"kbs-session-id=abc; Expires=Thu, 26 Nov 2026 21:30:56 GMT"}, "abc"},
		{[]string{" kbs-session-id=\"abc\" ;Path=/"}, "abc"},
		{[]string{"kbs-session-id = abc"}, " abc"},
		{[]string{"other=1", "kbs-session-id=def"}, "def"},
		{[]string{"kbs-session-id=", "kbs-session-id=ghi"}, "ghi"},
		{[]string{"KBS-SESSION-ID=abc"}, ""},
		{[]string{"kbs-session-id=a\\b"}, ""},
		{[]string{"kbs-session-id"}, ""},
		{nil, ""},
	}
	for _, tc := range cases {
		h := http.Header{"Set-Cookie": tc.lines}
		if got := sessionCookie(h); got != tc.want {
			t.Errorf("sessionCookie(%q) = %q, want %q", tc.lines, got, tc.want)
		}
		if got := sessionCookieViaResponse(h); got != tc.want {
			t.Errorf("net/http reads %q from %q, want %q", got, tc.lines, tc.want)
		}
	}
}

// sessionCookieViaResponse is the session cookie as net/http's full
// Set-Cookie parsing finds it, the reference for sessionCookie.
func sessionCookieViaResponse(h http.Header) string {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "kbs-session-id" && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// jsonToken is the token of an /attest answer as encoding/json reads it.
func jsonToken(body []byte) (string, error) {
	var answer struct {
		Token string `json:"token"`
	}
	err := json.Unmarshal(body, &answer)
	return answer.Token, err
}

// checkSameResource fails t when encryptedResource and encoding/json
// differ on body: one accepts what the other refuses, or they read other
// fields.
func checkSameResource(t *testing.T, body []byte) {
	t.Helper()
	got, err := encryptedResource(body)
	var want kbs.Response
	wantErr := json.Unmarshal(body, &want)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("encryptedResource(%q) error %v; encoding/json %v", body, err, wantErr)
	}
	if err == nil && *got != want {
		t.Fatalf("encryptedResource(%q) = %+v; encoding/json %+v", body, *got, want)
	}
}

// resourceCases seed FuzzEncryptedResource.
var resourceCases = []string{
	`{"protected":"eyJhbGciOiJFQ0RILUVTK0EyNTZLVyJ9","encrypted_key":"a2V5","iv":"aXY","ciphertext":"Y3Q","tag":"dGFn"}`,
	`{"tag":"1","aad":"2","iv":"3","IV":"4","Ciphertext":"5","PROTECTED":"6"}`,
	`{"iv":"a","iv":null}`, `{"iv":1}`, `{"iv":true}`, `{"iv":{}}`, `{"iv":["a"]}`, `{"other":1,"iv":"x"}`,
	`{"i\u0076":"x","encrypted_\u212Aey":"k","ciphertext":"\u00e9\n\/"}`, "{\"encrypted_\xe2\x84\xaaey\":\"k\"}",
	"{\"iv\":\"\xff\xfe\"}", `{"iv":"x"`, `{"iv":"x"}x`, `null`, `[]`, `"iv"`, ``,
}

func TestEncryptedResourceMatchesEncodingJSON(t *testing.T) {
	for _, c := range resourceCases {
		checkSameResource(t, []byte(c))
	}
}

// TestEncryptedResourceReadsEveryField guards against a field added to
// kbs.Response that encryptedResource would not read.
func TestEncryptedResourceReadsEveryField(t *testing.T) {
	var full kbs.Response
	v := reflect.ValueOf(&full).Elem()
	for i := range v.NumField() {
		v.Field(i).SetString(fmt.Sprintf("field%d", i))
	}
	body, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	got, err := encryptedResource(body)
	if err != nil || *got != full {
		t.Fatalf("encryptedResource(%s) = %+v, %v", body, got, err)
	}
}

// checkSameChallenge fails t when challengeAnswer and encoding/json
// differ on body.
func checkSameChallenge(t *testing.T, body []byte) {
	t.Helper()
	got, err := challengeAnswer(body)
	var want kbs.Challenge
	wantErr := json.Unmarshal(body, &want)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("challengeAnswer(%q) error %v; encoding/json %v", body, err, wantErr)
	}
	if err == nil && (got.Nonce != want.Nonce || !bytes.Equal(got.ExtraParams, want.ExtraParams) || (got.ExtraParams == nil) != (want.ExtraParams == nil)) {
		t.Fatalf("challengeAnswer(%q) = %q, %q; encoding/json %q, %q", body, got.Nonce, got.ExtraParams, want.Nonce, want.ExtraParams)
	}
}

// challengeCases seed FuzzChallengeAnswer.
var challengeCases = []string{
	`{"nonce":"iCai19sgYzb1r03nn7Ayl74KNWgz6Kms2cFLThtIWxs=","extra-params":""}`,
	`{"nonce":"n","extra-params":{"selected-hash-algorithm" : "sha512"}}`,
	`{"nonce":"n","extra-params":null}`, `{"nonce":null}`, `{"nonce":1}`, `{"extra-params":[1, 2]}`,
	`{"NONCE":"a","Extra-Params":true,"extra-params":1.5e3}`, `{"n\u006fnce":"\u0041"}`, `{}`, `null`, `[]`,
}

func TestChallengeAnswerMatchesEncodingJSON(t *testing.T) {
	for _, c := range challengeCases {
		checkSameChallenge(t, []byte(c))
	}
}

// TestChallengeAnswerReadsEveryField guards against a field added to
// kbs.Challenge that challengeAnswer would not read.
func TestChallengeAnswerReadsEveryField(t *testing.T) {
	if n := reflect.TypeFor[kbs.Challenge]().NumField(); n != 2 {
		t.Fatalf("kbs.Challenge has %d fields; challengeAnswer reads nonce and extra-params", n)
	}
}
