package policy

// Sample inputs Check evaluates a policy against: what the sample TEE yields
// upstream (deps/verifier/src/sample), as an appraisal input and as the
// token claims and request data a KBS resource policy sees.

func sampleTEEClaims() map[string]any {
	return map[string]any{
		"svn":              "1",
		"launch_digest":    "abcde",
		"platform_version": map[string]any{"major": 1, "minor": 4},
		"debug":            false,
	}
}

func sampleAppraisalInput() map[string]any {
	return map[string]any{
		"sample":              sampleTEEClaims(),
		"report_data":         "",
		"runtime_data_claims": map[string]any{"nonce": "", "tee-pubkey": map[string]any{}},
		"init_data_claims":    nil,
	}
}

func sampleTokenClaims() map[string]any {
	return map[string]any{
		"eat_profile": "tag:github.com,2024:confidential-containers/Trustee",
		"iss":         "CoCo-Attestation-Service",
		"submods": map[string]any{
			"cpu0": map[string]any{
				"ear.status": "contraindicated",
				"ear.trustworthiness-vector": map[string]any{
					"executables": 33, "hardware": 97, "configuration": 2,
				},
				"ear.appraisal-policy-id":         "default",
				"ear.veraison.annotated-evidence": sampleAppraisalInput(),
			},
		},
	}
}

func sampleResourceData() map[string]any {
	return map[string]any{
		"plugin":        "resource",
		"resource-path": []any{"default", "key", "1"},
		"query":         map[string]any{},
	}
}
