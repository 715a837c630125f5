package as

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/astest"
	"log/slog"
	"reflect"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/token"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/sample"
)

var testKey = kbs.TeePubKey{Kty: "EC", Alg: kbs.AlgECDHESA256KW, Crv: "P-256", X: "AAAA", Y: "BBBB"}

const testNonce = "bm9uY2U="

// guest plays the attester: runtime data as the KBS rebuilds it, and
// sample evidence bound to its digest.
type guest struct {
	additionalEvidence string
}

func (g guest) primaryRuntimeData() map[string]any {
	return kbs.PrimaryRuntimeData(testNonce, testKey, g.additionalEvidence)
}

func (g guest) primary(t testing.TB) VerificationRequest {
	t.Helper()
	rd, err := kbs.RuntimeDataDigest(kbs.SHA384, g.primaryRuntimeData())
	if err != nil {
		t.Fatal(err)
	}
	return VerificationRequest{
		Tee:         kbs.TeeSample,
		Evidence:    sample.NewEvidence(sample.CPUSVN, rd),
		RuntimeData: g.primaryRuntimeData(),
	}
}

func (g guest) device(t testing.TB) VerificationRequest {
	t.Helper()
	runtimeData := kbs.DeviceRuntimeData(testNonce, testKey)
	rd, err := kbs.RuntimeDataDigest(kbs.SHA384, runtimeData)
	if err != nil {
		t.Fatal(err)
	}
	return VerificationRequest{
		Tee:         kbs.TeeSampleDevice,
		Evidence:    sample.NewEvidence(sample.DeviceSVN, rd),
		RuntimeData: runtimeData,
	}
}

// canonical compares JSON values regardless of member order.
func canonical(t *testing.T, v any) string {
	t.Helper()
	b, err := kbs.Canonicalize(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// asJSON normalises a value the way a token consumer sees it.
func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEvaluateSample(t *testing.T) {
	svc, issuer := newTestService(t, DefaultConfig(), sampleRVs)
	req := guest{}.primary(t)
	tok, err := svc.Evaluate(context.Background(), []VerificationRequest{req}, nil)
	if err != nil || tok != astest.Token {
		t.Fatalf("Evaluate = %q, %v", tok, err)
	}
	submods := issuer.Submodules()
	if len(submods) != 1 {
		t.Fatalf("submods = %v, want cpu0 only", submods)
	}
	cpu0, ok := submods["cpu0"]
	if !ok {
		t.Fatalf("no cpu0 in %v", submods)
	}
	if want := (vector{3, 2, 2}).full(); !reflect.DeepEqual(cpu0.TrustVector, want) {
		t.Errorf("trust vector = %v, want %v", cpu0.TrustVector, want)
	}
	if cpu0.PolicyID != "default" {
		t.Errorf("policy id = %q, want default", cpu0.PolicyID)
	}
	var evidence sample.Evidence
	if err := json.Unmarshal(req.Evidence, &evidence); err != nil {
		t.Fatal(err)
	}
	wantEvidence := `{"report_data":"` + evidence.ReportData + `",` +
		`"runtime_data_claims":{"additional-evidence":"","nonce":"bm9uY2U=","tee-pubkey":{"alg":"ECDH-ES+A256KW","crv":"P-256","kty":"EC","x":"AAAA","y":"BBBB"}},` +
		`"sample":{"debug":false,"launch_digest":"abcde","platform_version":{"major":1,"minor":4},"svn":"1"}}`
	if got := asJSON(t, cpu0.AnnotatedEvidence); got != wantEvidence {
		t.Errorf("annotated evidence\n got %s\nwant %s", got, wantEvidence)
	}
	if got := asJSON(t, cpu0.Extensions); got != `{"ear.trustee.identifiers":{"validated":{}}}` {
		t.Errorf("extensions = %s", got)
	}
}

func TestEvaluateSampleWithoutReferenceValuesIsContraindicated(t *testing.T) {
	svc, issuer := newTestService(t, DefaultConfig(), nil)
	if _, err := svc.Evaluate(context.Background(), []VerificationRequest{guest{}.primary(t)}, nil); err != nil {
		t.Fatal(err)
	}
	cpu0 := issuer.Submodules()["cpu0"]
	if want := (vector{33, 97, 2}).full(); !reflect.DeepEqual(cpu0.TrustVector, want) {
		t.Errorf("trust vector = %v, want %v", cpu0.TrustVector, want)
	}
	if got := token.Status(cpu0.TrustVector); got != "contraindicated" {
		t.Errorf("status = %s, want contraindicated", got)
	}
}

func TestEvaluateSampleWithDevices(t *testing.T) {
	svc, issuer := newTestService(t, DefaultConfig(), sampleRVs)
	g := guest{additionalEvidence: `{"sampledevice":{"svn":"2"}}`}
	reqs := []VerificationRequest{g.primary(t), g.device(t), g.device(t)}
	if _, err := svc.Evaluate(context.Background(), reqs, []string{"default"}); err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	submods := issuer.Submodules()
	for _, name := range []string{"cpu0", "gpu0", "gpu1"} {
		if _, ok := submods[name]; !ok {
			t.Errorf("no submodule %s in %v", name, submods)
		}
	}
	if len(submods) != 3 {
		t.Errorf("got %d submodules, want 3", len(submods))
	}
	gpu0 := submods["gpu0"]
	// The leftover sampledevice rule never fires, as upstream.
	if want := (vector{33, 97, 36}).full(); !reflect.DeepEqual(gpu0.TrustVector, want) {
		t.Errorf("gpu0 trust vector = %v, want %v", gpu0.TrustVector, want)
	}
	if gpu0.PolicyID != "default" {
		t.Errorf("gpu0 policy id = %q", gpu0.PolicyID)
	}
	if got := asJSON(t, gpu0.AnnotatedEvidence["sampledevice"]); got != `{"svn":"2"}` {
		t.Errorf("gpu0 sampledevice claims = %s", got)
	}
	if got, want := canonical(t, gpu0.AnnotatedEvidence["runtime_data_claims"]), canonical(t, kbs.DeviceRuntimeData(testNonce, testKey)); got != want {
		t.Errorf("gpu0 runtime data claims = %s", got)
	}
	if got := submods["cpu0"].AnnotatedEvidence["runtime_data_claims"].(map[string]any)["additional-evidence"]; got != g.additionalEvidence {
		t.Errorf("cpu0 additional-evidence = %v, want it kept in a verbose token", got)
	}
}

func TestEvaluateTerseTokenDropsAdditionalEvidence(t *testing.T) {
	svc, issuer := newTestService(t, Config{VerboseToken: false}, sampleRVs)
	g := guest{additionalEvidence: `{"sampledevice":{"svn":"2"}}`}
	if _, err := svc.Evaluate(context.Background(), []VerificationRequest{g.primary(t)}, nil); err != nil {
		t.Fatalf("Evaluate (the digest still covers the additional evidence): %v", err)
	}
	claims := issuer.Submodules()["cpu0"].AnnotatedEvidence["runtime_data_claims"].(map[string]any)
	if _, ok := claims["additional-evidence"]; ok {
		t.Errorf("additional-evidence kept in a terse token: %v", claims)
	}
	if claims["nonce"] != testNonce {
		t.Errorf("nonce = %v", claims["nonce"])
	}
}

func TestEvaluateInitData(t *testing.T) {
	svc, issuer := newTestService(t, DefaultConfig(), sampleRVs)
	body := string(upstream.Read(t, "trustee/initdata/init-data-with-policy.toml"))
	req := guest{}.primary(t)
	req.InitData = &kbs.InitData{Format: "toml", Body: body}
	if _, err := svc.Evaluate(context.Background(), []VerificationRequest{req}, nil); err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	cpu0 := issuer.Submodules()["cpu0"]
	digest := sha256.Sum256([]byte(body)) // the document says algorithm = 'sha256'
	if got, want := cpu0.AnnotatedEvidence["init_data"], base64.StdEncoding.EncodeToString(digest[:]); got != want {
		t.Errorf("init_data = %v, want %v", got, want)
	}
	if _, ok := cpu0.AnnotatedEvidence["sample"].(map[string]any)["init_data"]; ok {
		t.Error("init_data left among the sample claims")
	}
	// What upstream's integration test asks of the same document.
	var claims struct {
		AgentPolicyClaims struct {
			Containers []struct {
				OCI struct{ Process struct{ Args []string } }
			}
		} `json:"agent_policy_claims"`
	}
	if err := json.Unmarshal([]byte(asJSON(t, cpu0.AnnotatedEvidence["init_data_claims"])), &claims); err != nil {
		t.Fatalf("init_data_claims: %v", err)
	}
	if c := claims.AgentPolicyClaims.Containers; len(c) < 2 || len(c[1].OCI.Process.Args) == 0 ||
		c[1].OCI.Process.Args[0] != "/opt/bitnami/scripts/nginx/entrypoint.sh" {
		t.Errorf("agent_policy_claims containers = %+v", c)
	}
	if _, ok := cpu0.AnnotatedEvidence["init_data_claims"].(map[string]any)["policy.rego"]; ok {
		t.Error("policy.rego kept although its policy_data parsed")
	}
	ids := asJSON(t, cpu0.Extensions["ear.trustee.identifiers"])
	if want := `{"validated":{"container_images":["bitnami/nginx:latest"],"container_uids":[65535,1001]}}`; ids != want {
		t.Errorf("identifiers = %s, want %s", ids, want)
	}
}

func TestEvaluateHashAlgorithm(t *testing.T) {
	svc, _ := newTestService(t, DefaultConfig(), nil)
	g := guest{}
	rd, err := kbs.RuntimeDataDigest(kbs.SHA512, g.primaryRuntimeData())
	if err != nil {
		t.Fatal(err)
	}
	req := VerificationRequest{Tee: kbs.TeeSample, Evidence: sample.NewEvidence("1", rd), RuntimeData: g.primaryRuntimeData(), HashAlgorithm: kbs.SHA512}
	if _, err := svc.Evaluate(context.Background(), []VerificationRequest{req}, nil); err != nil {
		t.Errorf("sha512: %v", err)
	}
	req.HashAlgorithm = ""
	if _, err := svc.Evaluate(context.Background(), []VerificationRequest{req}, nil); !errors.Is(err, ErrVerification) {
		t.Errorf("sha512 evidence checked as sha384: err = %v, want ErrVerification", err)
	}
	req.HashAlgorithm = "md5"
	if _, err := svc.Evaluate(context.Background(), []VerificationRequest{req}, nil); !errors.Is(err, kbs.ErrUnsupportedHashAlgorithm) {
		t.Errorf("md5: err = %v, want ErrUnsupportedHashAlgorithm", err)
	}
}

func TestEvaluateRefuses(t *testing.T) {
	g := guest{}
	mismatch := g.primary(t)
	mismatch.RuntimeData = kbs.PrimaryRuntimeData("b3RoZXI=", testKey, "")
	unknownTee := g.primary(t)
	unknownTee.Tee = kbs.TeeSnp
	badFormat := g.primary(t)
	badFormat.InitData = &kbs.InitData{Format: "json", Body: `{"version":"0.1.0"}`}
	badTOML := g.primary(t)
	badTOML.InitData = &kbs.InitData{Format: "toml", Body: "version = "}
	noRuntimeData := g.primary(t)
	noRuntimeData.RuntimeData = nil
	garbage := g.primary(t)
	garbage.Evidence = json.RawMessage(`{"svn":`)

	tests := []struct {
		name      string
		reqs      []VerificationRequest
		policyIDs []string
		want      error
	}{
		{"report data mismatch", []VerificationRequest{mismatch}, nil, sample.ErrReportDataMismatch},
		{"report data mismatch on a device", []VerificationRequest{g.primary(t), mismatchDevice(t)}, nil, ErrVerification},
		{"unknown TEE", []VerificationRequest{unknownTee}, nil, verifier.ErrNoVerifier},
		{"init-data not toml", []VerificationRequest{badFormat}, nil, ErrUnsupportedInitDataFormat},
		{"init-data not parseable", []VerificationRequest{badTOML}, nil, ErrInvalidInitData},
		{"no runtime data", []VerificationRequest{noRuntimeData}, nil, ErrNoRuntimeData},
		{"garbage evidence", []VerificationRequest{garbage}, nil, ErrVerification},
		{"no requests", nil, nil, ErrNoEvidence},
		{"missing policy", []VerificationRequest{g.primary(t)}, []string{"strict"}, ErrPolicyNotFound},
		{"policy id with a slash", []VerificationRequest{g.primary(t)}, []string{"a/b"}, ErrInvalidPolicyID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, issuer := newTestService(t, DefaultConfig(), sampleRVs)
			tok, err := svc.Evaluate(context.Background(), tt.reqs, tt.policyIDs)
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if tok != "" || issuer.Submodules() != nil {
				t.Errorf("a token was issued: %q", tok)
			}
		})
	}
}

func mismatchDevice(t *testing.T) VerificationRequest {
	req := guest{}.device(t)
	req.RuntimeData = kbs.DeviceRuntimeData("b3RoZXI=", testKey)
	return req
}

func TestEvaluateMissingClassPolicy(t *testing.T) {
	svc, _ := newTestService(t, DefaultConfig(), nil)
	// A "strict" policy for CPUs only: a device then has no policy.
	if err := svc.SetPolicy(context.Background(), "strict_cpu", string(mustDefault(t, "default_cpu"))); err != nil {
		t.Fatal(err)
	}
	g := guest{}
	_, err := svc.Evaluate(context.Background(), []VerificationRequest{g.primary(t), g.device(t)}, []string{"strict"})
	if !errors.Is(err, ErrPolicyNotFound) {
		t.Errorf("err = %v, want ErrPolicyNotFound for strict_gpu", err)
	}
}

func mustDefault(t *testing.T, id string) []byte {
	t.Helper()
	b, err := defaultPolicies.ReadFile(defaultPolicyFiles[id])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEvaluateCustomPolicy(t *testing.T) {
	svc, issuer := newTestService(t, DefaultConfig(), nil)
	const strict = `package policy
import rego.v1
default hardware := 97
hardware := 2 if input.sample.svn == "1"
trust_claims := {"hardware": hardware, "executables": 3}
`
	if err := svc.SetPolicy(context.Background(), "strict_cpu", strict); err != nil {
		t.Fatal(err)
	}
	// Only the first policy id counts.
	_, err := svc.Evaluate(context.Background(), []VerificationRequest{guest{}.primary(t)}, []string{"strict", "default"})
	if err != nil {
		t.Fatal(err)
	}
	cpu0 := issuer.Submodules()["cpu0"]
	if cpu0.PolicyID != "strict" {
		t.Errorf("policy id = %q, want strict (the requested id, not strict_cpu)", cpu0.PolicyID)
	}
	if want := map[string]int{"hardware": 2, "executables": 3}; !reflect.DeepEqual(cpu0.TrustVector, want) {
		t.Errorf("trust vector = %v, want %v", cpu0.TrustVector, want)
	}
	if cpu0.Extensions != nil {
		t.Errorf("extensions = %v, want none", cpu0.Extensions)
	}
}

// TestEvaluateSignedToken runs the pipeline with the real EAR issuer and
// checks the token as the KBS would: signature, then claims.
func TestEvaluateSignedToken(t *testing.T) {
	issuer, err := token.NewIssuer(token.IssuerConfig{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(DefaultConfig(), Deps{
		Store:           storage.NewMemory(),
		Policies:        policy.NewEngine(nil),
		ReferenceValues: astest.ReferenceValues(sampleRVs),
		Issuer:          issuer,
		Verifiers:       sampleRegistry(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := svc.InstallDefaultPolicies(ctx); err != nil {
		t.Fatal(err)
	}
	g := guest{}
	tok, err := svc.Evaluate(ctx, []VerificationRequest{g.primary(t), g.device(t)}, nil)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	kbsSide, err := token.NewVerifier(token.VerifierConfig{}, slog.New(slog.DiscardHandler), token.WithTrustedKey(issuer.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	claims, err := kbsSide.Verify(ctx, tok)
	if err != nil {
		t.Fatalf("token refused: %v", err)
	}
	submods := claims["submods"].(map[string]any)
	cpu0 := submods["cpu0"].(map[string]any)
	if cpu0["ear.status"] != "affirming" || cpu0["ear.appraisal-policy-id"] != "default" {
		t.Errorf("cpu0 = %v", cpu0)
	}
	if got := asJSON(t, cpu0["ear.trustworthiness-vector"]); got != asJSON(t, (vector{3, 2, 2}).full()) {
		t.Errorf("cpu0 trust vector = %s", got)
	}
	evidence := cpu0["ear.veraison.annotated-evidence"].(map[string]any)
	if got := asJSON(t, evidence["sample"]); got != `{"debug":false,"launch_digest":"abcde","platform_version":{"major":1,"minor":4},"svn":"1"}` {
		t.Errorf("cpu0 sample claims = %s", got)
	}
	if _, ok := submods["gpu0"]; !ok {
		t.Errorf("no gpu0 in %v", submods)
	}
	key, err := kbsSide.TeePubKey(claims)
	if err != nil || key != testKey {
		t.Errorf("TEE key in token = %+v, %v; want %+v", key, err, testKey)
	}
}
