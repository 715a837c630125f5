package e2e

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// sampleReferenceValues are the values the sample TEE reports, typed as the
// default CPU policy compares them: launch_digest and svn (a string claim)
// with "in", so as lists; major_version with == and minimum_minor_version
// with >=, so as single integers.
var sampleReferenceValues = []struct {
	args []string
	want string // get-reference-value's JSON
}{
	{[]string{"launch_digest", "abcde"}, `["abcde"]`},
	{[]string{"svn", "1"}, `["1"]`},
	{[]string{"major_version", "1", "--as-integer", "--as-single-value"}, `1`},
	{[]string{"minimum_minor_version", "4", "--as-integer", "--as-single-value"}, `4`},
}

func registerSampleReferenceValues(t *testing.T, s *server, adminKey string) {
	t.Helper()
	for _, rv := range sampleReferenceValues {
		mustSucceed(t, s.admin(t, adminKey, append([]string{"set-sample-reference-value"}, rv.args...)...))
	}
}

// checkSampleReferenceValues reads every sample reference value back.
func checkSampleReferenceValues(t *testing.T, s *server, adminKey string) {
	t.Helper()
	for _, rv := range sampleReferenceValues {
		r := mustSucceed(t, s.admin(t, adminKey, "get-reference-value", "--id", rv.args[0]))
		var got, want any
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("get-reference-value %s: %v\n%s", rv.args[0], err, r)
		}
		_ = json.Unmarshal([]byte(rv.want), &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("reference value %s = %s, want %s", rv.args[0], r.stdout, rv.want)
		}
	}
}

// With upstream's default CPU policy, sample evidence is contraindicated
// until the reference values it reports are registered; then it is
// affirming, and the affirming resource policy releases resources.
func TestReferenceValuesMakeSampleEvidenceAffirming(t *testing.T) {
	t.Parallel()
	n := newNode(t)
	s := n.start(t)
	secret := randomSecret(t)
	mustSucceed(t, s.admin(t, n.adminKey, "set-resource", "--path", "default/key/rv", "--resource-file", writeFile(t, t.TempDir(), "secret", secret)))
	mustSucceed(t, s.admin(t, n.adminKey, "set-resource-policy", "--affirming"))

	_, claims := s.attest(t)
	if got := earStatus(t, claims); got != "contraindicated" {
		t.Fatalf("ear.status before reference values = %q, want contraindicated\n%v", got, claims)
	}
	mustFail(t, s.kbsClient(t, "get-resource", "--path", "default/key/rv"), `\bPolicyDeny\b`)

	registerSampleReferenceValues(t, s, n.adminKey)
	checkSampleReferenceValues(t, s, n.adminKey)

	_, claims = s.attest(t)
	if got := earStatus(t, claims); got != "affirming" {
		t.Fatalf("ear.status after reference values = %q, want affirming\n%v", got, claims)
	}
	// Upstream's default CPU policy: approved executables (3), genuine
	// hardware (2), approved configuration (2).
	vector, _ := json.Marshal(cpu0(t, claims)["ear.trustworthiness-vector"])
	var tv map[string]int
	if err := json.Unmarshal(vector, &tv); err != nil {
		t.Fatalf("ear.trustworthiness-vector: %v", err)
	}
	if tv["executables"] != 3 || tv["hardware"] != 2 || tv["configuration"] != 2 {
		t.Errorf("ear.trustworthiness-vector = %s, want executables 3, hardware 2, configuration 2", vector)
	}

	if got := s.getResource(t, "default/key/rv"); !bytes.Equal(got, secret) {
		t.Errorf("get-resource under --affirming = %x, want %x", got, secret)
	}
}
