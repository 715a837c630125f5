package kbs

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// roundTrip checks that v marshals to exactly want and that want unmarshals
// into a value equal to v.
func roundTrip[T any](t *testing.T, v T, want string) {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != want {
		t.Errorf("marshal = %s\nwant      %s", raw, want)
	}
	var back T
	if err := json.Unmarshal([]byte(want), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, v) {
		t.Errorf("unmarshal = %+v\nwant        %+v", back, v)
	}
}

func TestRequestJSON(t *testing.T) {
	t.Run("extra-params object", func(t *testing.T) {
		roundTrip(t, Request{
			Version:     ProtocolVersion,
			Tee:         TeeTdx,
			ExtraParams: json.RawMessage(`{"supported-hash-algorithms":["sha256","sha384","sha512","sm3"]}`),
		}, `{"version":"0.4.0","tee":"tdx","extra-params":{"supported-hash-algorithms":["sha256","sha384","sha512","sm3"]}}`)
	})
	t.Run(`extra-params ""`, func(t *testing.T) {
		roundTrip(t, Request{Version: ProtocolVersion, Tee: TeeHygonDcu, ExtraParams: json.RawMessage(`""`)},
			`{"version":"0.4.0","tee":"hygondcu","extra-params":""}`)
	})
}

func TestChallengeJSON(t *testing.T) {
	ch := Challenge{Nonce: "K0FRf3bSMoZ1tUP5DwRr2n8uF7aFN6YhZr7JtPQ0Y5k=", ExtraParams: json.RawMessage(`""`)}
	roundTrip(t, ch, `{"nonce":"K0FRf3bSMoZ1tUP5DwRr2n8uF7aFN6YhZr7JtPQ0Y5k=","extra-params":""}`)
	if got := SelectedHashAlgorithm(ch.ExtraParams); got != SHA384 {
		t.Errorf("hash for a legacy challenge = %q, want sha384", got)
	}

	se := Challenge{Nonce: "n", ExtraParams: json.RawMessage(`{"selected-hash-algorithm":"sha512"}`)}
	roundTrip(t, se, `{"nonce":"n","extra-params":{"selected-hash-algorithm":"sha512"}}`)
	if got := SelectedHashAlgorithm(se.ExtraParams); got != SHA512 {
		t.Errorf("hash for an SE challenge = %q, want sha512", got)
	}
}

func TestAttestationJSON(t *testing.T) {
	ec := TeePubKey{Kty: "EC", Crv: "P-256", Alg: AlgECDHESA256KW, X: "eHg", Y: "eXk"}
	rsaKey := TeePubKey{Kty: "RSA", Alg: AlgRSAOAEP256, N: "bm4", E: "AQAB"}
	tests := []struct {
		name string
		att  Attestation
		want string
	}{
		{
			name: "EC key with init-data",
			att: Attestation{
				InitData:    &InitData{Format: "toml", Body: `version = "0.1.0"`},
				RuntimeData: RuntimeData{Nonce: "bm9uY2U=", TeePubKey: ec},
				TeeEvidence: CompositeEvidence{
					PrimaryEvidence:    json.RawMessage(`{"svn":"1","report_data":"cmQ="}`),
					AdditionalEvidence: `{"sampledevice":{"svn":"2"}}`,
				},
			},
			want: `{"init-data":{"format":"toml","body":"version = \"0.1.0\""},` +
				`"runtime-data":{"nonce":"bm9uY2U=","tee-pubkey":{"kty":"EC","alg":"ECDH-ES+A256KW","crv":"P-256","x":"eHg","y":"eXk"}},` +
				`"tee-evidence":{"primary_evidence":{"svn":"1","report_data":"cmQ="},"additional_evidence":"{\"sampledevice\":{\"svn\":\"2\"}}"}}`,
		},
		{
			name: "RSA key without init-data",
			att: Attestation{
				RuntimeData: RuntimeData{Nonce: "bm9uY2U=", TeePubKey: rsaKey},
				TeeEvidence: CompositeEvidence{PrimaryEvidence: json.RawMessage(`{"quote":"cXVvdGU="}`)},
			},
			want: `{"runtime-data":{"nonce":"bm9uY2U=","tee-pubkey":{"kty":"RSA","alg":"RSA-OAEP-256","n":"bm4","e":"AQAB"}},` +
				`"tee-evidence":{"primary_evidence":{"quote":"cXVvdGU="},"additional_evidence":""}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { roundTrip(t, tt.att, tt.want) })
	}
}

// guest-components sends "init-data": null and its own member order.
func TestAttestationFromGuestComponents(t *testing.T) {
	const body = `{
	  "init-data": null,
	  "runtime-data": {"tee-pubkey": {"kty":"EC","crv":"P-521","alg":"ECDH-ES+A256KW","x":"AQ","y":"Ag"}, "nonce": "bm9uY2U="},
	  "tee-evidence": {"additional_evidence": "", "primary_evidence": {"svn": "1"}}
	}`
	var att Attestation
	if err := json.Unmarshal([]byte(body), &att); err != nil {
		t.Fatal(err)
	}
	want := Attestation{
		RuntimeData: RuntimeData{Nonce: "bm9uY2U=", TeePubKey: TeePubKey{Kty: "EC", Crv: "P-521", Alg: AlgECDHESA256KW, X: "AQ", Y: "Ag"}},
		TeeEvidence: CompositeEvidence{PrimaryEvidence: json.RawMessage(`{"svn": "1"}`)},
	}
	if !reflect.DeepEqual(att, want) {
		t.Errorf("Attestation = %+v, want %+v", att, want)
	}
}

func TestResponseJSON(t *testing.T) {
	roundTrip(t, Response{Protected: "cA", EncryptedKey: "ZWs", IV: "aXY", Ciphertext: "Y3Q", Tag: "dGFn"},
		`{"protected":"cA","encrypted_key":"ZWs","iv":"aXY","ciphertext":"Y3Q","tag":"dGFn"}`)
	roundTrip(t, Response{Protected: "cA", EncryptedKey: "ZWs", AAD: "YQ", IV: "aXY", Ciphertext: "Y3Q", Tag: "dGFn"},
		`{"protected":"cA","encrypted_key":"ZWs","aad":"YQ","iv":"aXY","ciphertext":"Y3Q","tag":"dGFn"}`)
}

// A full guest-side binding: the digest computed from a decoded Attestation
// equals the one computed before encoding it.
func TestRuntimeDataDigestSurvivesTheWire(t *testing.T) {
	for name, k := range testKeys(t) {
		nonce, err := NewNonce()
		if err != nil {
			t.Fatal(err)
		}
		ae := `{"sampledevice":{"svn":"<1>"}}`
		before, err := RuntimeDataDigest(SHA384, PrimaryRuntimeData(nonce, k.PublicKey(), ae))
		if err != nil {
			t.Fatal(err)
		}
		wire, err := json.Marshal(Attestation{
			RuntimeData: RuntimeData{Nonce: nonce, TeePubKey: k.PublicKey()},
			TeeEvidence: CompositeEvidence{PrimaryEvidence: json.RawMessage(`{}`), AdditionalEvidence: ae},
		})
		if err != nil {
			t.Fatal(err)
		}
		var att Attestation
		if err := json.Unmarshal(wire, &att); err != nil {
			t.Fatal(err)
		}
		after, err := RuntimeDataDigest(SHA384, PrimaryRuntimeData(att.RuntimeData.Nonce, att.RuntimeData.TeePubKey, att.TeeEvidence.AdditionalEvidence))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(before, after) {
			t.Errorf("%s: digest changed over the wire: %x -> %x", name, before, after)
		}
	}
}
