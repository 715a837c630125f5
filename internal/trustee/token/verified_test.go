package token

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sameMap(a, b map[string]any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

func TestIssuedTokensAreSettledAtIssue(t *testing.T) {
	issuer := newTestIssuer(t, IssuerConfig{})
	v := newTestVerifier(t, VerifierConfig{}, WithIssuer(issuer))
	token, err := issuer.Issue(context.Background(), sampleSubmods)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := v.verified.get(token); !ok {
		t.Fatal("a token from the trusted issuer is not settled at issue")
	}
	first, err := v.Verify(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	full, err := v.verify(token)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, full) {
		t.Errorf("settled claims %v differ from verified claims %v", first, full)
	}
	again, err := v.Verify(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	if !sameMap(first, again) {
		t.Error("the claims of a settled token were decoded again")
	}
}

func TestVerifiedTokensAreSettled(t *testing.T) {
	issuer := newTestIssuer(t, IssuerConfig{})
	token, err := issuer.Issue(context.Background(), sampleSubmods)
	if err != nil {
		t.Fatal(err)
	}
	v := newTestVerifier(t, VerifierConfig{}, WithTrustedKey(issuer.PublicKey()))
	if _, ok := v.verified.get(token); ok {
		t.Fatal("a token this verifier never saw is settled")
	}
	first := mustAccept(t, v, token)
	if !sameMap(first, mustAccept(t, v, token)) {
		t.Error("a verified token was verified and decoded again")
	}
}

// A settled token is still refused once it expires, and any change to its
// text makes it a stranger that is verified in full.
func TestSettledTokensStillExpireAndTamperingIsCaught(t *testing.T) {
	issuer := newTestIssuer(t, IssuerConfig{})
	v := newTestVerifier(t, VerifierConfig{}, WithIssuer(issuer))
	token, err := issuer.Issue(context.Background(), sampleSubmods)
	if err != nil {
		t.Fatal(err)
	}
	mustAccept(t, v, token)

	header, rest, _ := strings.Cut(token, ".")
	payload, signature, _ := strings.Cut(rest, ".")
	flip := func(s string) string { // another base64url digit mid-string
		b := []byte(s)
		if b[len(b)/2] == 'A' {
			b[len(b)/2] = 'B'
		} else {
			b[len(b)/2] = 'A'
		}
		return string(b)
	}
	mustRefuse(t, v, header+"."+flip(payload)+"."+signature, "settled token with a changed payload")
	mustRefuse(t, v, header+"."+payload+"."+flip(signature), "settled token with a changed signature")

	v.now = func() time.Time {
		return testNow.Add(time.Duration(DefaultDurationMin)*time.Minute + leeway + time.Second)
	}
	mustRefuse(t, v, token, "settled token past its exp")
}
