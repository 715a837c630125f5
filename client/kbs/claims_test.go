package kbs

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cocoon-cc/cocoon/internal/jsonscan"
)

// jsonValidityClaims is the reference validityClaims must agree with:
// encoding/json decoding the claims into the two fields the client reads.
func jsonValidityClaims(payload []byte) (exp, nbf *jwt.NumericDate, err error) {
	var claims struct {
		Expiry    *jwt.NumericDate `json:"exp"`
		NotBefore *jwt.NumericDate `json:"nbf"`
	}
	err = json.Unmarshal(payload, &claims)
	return claims.Expiry, claims.NotBefore, err
}

// checkSameClaims fails t when validityClaims and encoding/json differ on
// payload: one accepts what the other refuses, or they read other times.
func checkSameClaims(t *testing.T, payload []byte) {
	t.Helper()
	exp, nbf, err := validityClaims(payload)
	wantExp, wantNbf, wantErr := jsonValidityClaims(payload)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("validityClaims(%q) error %v; encoding/json %v", payload, err, wantErr)
	}
	if err != nil {
		return
	}
	if !sameDate(exp, wantExp) || !sameDate(nbf, wantNbf) {
		t.Fatalf("validityClaims(%q) = exp %v nbf %v; encoding/json exp %v nbf %v", payload, exp, nbf, wantExp, wantNbf)
	}
}

func sameDate(a, b *jwt.NumericDate) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(b.Time)
}

// claimsCases are payloads on which the scanner could plausibly differ
// from encoding/json; they also seed FuzzValidityClaims.
var claimsCases = []string{
	earClaims,
	`{"exp":4102444800,"nbf":4102444700}`,
	`{"exp":1,"exp":2}`,    // the last duplicate wins
	`{"exp":1,"exp":null}`, // null clears
	`{"exp":null}`,         // null alone
	`{"sub":{"exp":1},"submods":{"cpu":{"nbf":2}}}`, // nested: not claims
	`[{"exp":1}]`, // not an object
	`null`, ` null `, `nul`, `"exp"`, `1`, `true`, ``, ` `,
	`{"EXP":5,"Nbf":6}`,           // names match case-insensitively
	`{"\u0065xp":7,"n\u0062f":8}`, // and after unescaping
	`{"e\u0058p":7}`, `{"ex\"p":1}`, `{"\u212Aexp":1}`,
	`{"exp":1e3}`, `{"exp":1.5e-3}`, `{"exp":-1.25}`, `{"exp":1E+2}`, `{"exp":0.999999999}`,
	`{"exp":1e308}`, `{"exp":-1e308}`, `{"exp":1e309}`, `{"exp":9223372036854775807}`, `{"exp":1e-400}`,
	`{"exp":"123"}`, `{"exp":"1e3"}`, `{"exp":"tomorrow"}`, `{"exp":""}`, `{"exp":"1\u0030"}`,
	`{"exp":true}`, `{"exp":{}}`, `{"exp":[1]}`, `{"nbf":[]}`,
	`{"exp":01}`, `{"exp":-}`, `{"exp":1.}`, `{"exp":.5}`, `{"exp":1e}`, `{"exp":+1}`, `{"exp":-0}`,
	`{"exp":1,}`, `{,"exp":1}`, `{"exp" 1}`, `{"exp":1 "nbf":2}`, `{"exp":1}x`, `{"exp":1}}`,
	"{\"a\":\"\x01\"}", "{\"a\":\"\x7f\xff\"}", "{\"\xffexp\":1,\"exp\xff\":2}", `{"a":"\q"}`, `{"a":"\u12G4"}`, `{"a":"\/\b\f\n\r\t"}`,
	`{"a":[1,2,[true,false,null,{"b":"c"}]]}`, `{"a":[1,]}`, `{"a":[,1]}`, `{"a":tru}`, `{"a":nulll}`,
	"\t{\r\n\"exp\" : 3 \n}\r\n", `{"exp":3}` + "\v",
}

func TestValidityClaimsMatchesEncodingJSON(t *testing.T) {
	for _, c := range claimsCases {
		checkSameClaims(t, []byte(c))
	}
}

func TestValidityClaimsDepthLimit(t *testing.T) {
	for _, depth := range []int{jsonscan.MaxDepth, jsonscan.MaxDepth + 1} {
		inner := strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1)
		payload := []byte(`{"exp":1,"a":` + inner + `}`)
		checkSameClaims(t, payload)
		if _, _, err := validityClaims(payload); (err != nil) != (depth > jsonscan.MaxDepth) {
			t.Fatalf("depth %d: err = %v", depth, err)
		}
	}
}

func TestValidityClaimsReadsTheTopLevel(t *testing.T) {
	exp, nbf, err := validityClaims([]byte(`{"submods":{"cpu":{"exp":1,"nbf":2}},"EXP":4102444800.75,"nbf":null}`))
	if err != nil || nbf != nil || exp == nil || exp.Unix() != 4102444800 {
		t.Fatalf("validityClaims = exp %v, nbf %v, %v", exp, nbf, err)
	}
}

// earClaims is the claims set of an EAR token from trusteetest's sample
// attester, the shape the client parses on every handshake.
const earClaims = `{"eat_profile":"tag:github.com,2024:confidential-containers/Trustee","iat":1795734185,"ear.verifier-id":{"developer":"https://confidentialcontainers.org","build":"attestation-service 0.1.0"},"submods":{"cpu0":{"ear.status":"contraindicated","ear.trustworthiness-vector":{"instance-identity":0,"configuration":2,"executables":33,"file-system":0,"hardware":97,"runtime-opaque":0,"storage-opaque":0,"sourced-data":0},"ear.appraisal-policy-id":"default","ear.veraison.annotated-evidence":{"report_data":"p++JFsJMbO9z1LzNNhe218weVC91Ozhc0tIWxtfWD5AIdhPTl2vDt4akUki20bOh","runtime_data_claims":{"additional-evidence":"","nonce":"iCai19sgYzb1r03nn7Ayl74KNWgz6Kms2cFLThtIWxs=","tee-pubkey":{"alg":"ECDH-ES+A256KW","crv":"P-256","kty":"EC","x":"briI65bZiQ6aNDcDouWqqrYYYmhmyAMakVQjwXyZbmY","y":"QBi40N-5mGIt2e5CynkkAFV-WynGTdEJPbBtFS73Mgk"}},"sample":{"debug":false,"launch_digest":"abcde","platform_version":{"major":1,"minor":4},"svn":"1"}},"ear.trustee.identifiers":{"validated":{}}}},"exp":1795734485,"iss":"CoCo-Attestation-Service"}`

// BenchmarkValidityClaims compares the scanner with the encoding/json
// decoding it replaces, on an EAR claims set.
func BenchmarkValidityClaims(b *testing.B) {
	for _, bc := range []struct {
		name string
		read func([]byte) (*jwt.NumericDate, *jwt.NumericDate, error)
	}{{"scanner", validityClaims}, {"encoding-json", jsonValidityClaims}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if exp, _, err := bc.read([]byte(earClaims)); err != nil || exp == nil {
					b.Fatal(exp, err)
				}
			}
		})
	}
}
