package kbs

import "testing"

func TestAsJSONQuotesLegacyAnswers(t *testing.T) {
	got, err := asJSON([]byte("cGFja2FnZQ"))
	if err != nil || string(got) != `"cGFja2FnZQ"` {
		t.Fatalf("asJSON = %s, %v", got, err)
	}
}
