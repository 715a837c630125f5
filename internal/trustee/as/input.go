package as

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// Claims a verifier emits when it checked the bindings; they move from the
// TEE's claims to the top of the policy input.
const (
	claimReportData       = "report_data"
	claimInitData         = "init_data"
	inputRuntimeDataClaim = "runtime_data_claims"
	inputInitDataClaims   = "init_data_claims"
	additionalEvidenceKey = "additional-evidence"
)

// bindRuntimeData returns the digest the evidence must carry,
// alg(JCS(runtimeData)), and the runtime data as it appears in the policy
// input: exactly what decoding the canonical JSON gives, so the claims are
// what was hashed. Without verbose tokens the additional evidence is left out of the
// claims (not out of the digest).
func bindRuntimeData(alg kbs.HashAlgorithm, runtimeData any, verbose bool) ([]byte, any, error) {
	if alg == "" {
		alg = kbs.SHA384
	}
	alg, err := kbs.ParseHashAlgorithm(string(alg))
	if err != nil {
		return nil, nil, err
	}
	canonical, err := kbs.Canonicalize(runtimeData)
	if err != nil {
		return nil, nil, fmt.Errorf("runtime data: %w", err)
	}
	if bytes.Equal(canonical, []byte("null")) {
		return nil, nil, ErrNoRuntimeData
	}
	digest, err := alg.Sum(canonical)
	if err != nil {
		return nil, nil, err
	}
	claims, ok := runtimeDataClaims(runtimeData)
	if !ok {
		if claims, err = decodeJSON(canonical); err != nil {
			return nil, nil, fmt.Errorf("runtime data: %w", err)
		}
	}
	if obj, ok := claims.(map[string]any); ok && !verbose {
		delete(obj, additionalEvidenceKey)
	}
	return digest, claims, nil
}

// decodeJSON keeps numbers as json.Number, so none loses precision.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// policyInput arranges one claim set as upstream's transform_claims does
// (trustee.md §3.4): the TEE's claims under its name, and at the top
// report_data with runtime_data_claims and init_data with init_data_claims,
// each pair only when the verifier emitted the binding claim.
func policyInput(tee kbs.Tee, claims map[string]any, runtimeDataClaims, initDataClaims any) (map[string]any, error) {
	teeClaims := make(map[string]any, len(claims))
	input := map[string]any{string(tee): teeClaims}
	for name, value := range claims {
		switch name {
		case claimReportData:
			s, ok := value.(string)
			if !ok {
				return nil, fmt.Errorf("%w: %s is %T, want a string", ErrInvalidClaims, name, value)
			}
			input[claimReportData] = s
			input[inputRuntimeDataClaim] = runtimeDataClaims
		case claimInitData:
			s, ok := value.(string)
			if !ok {
				return nil, fmt.Errorf("%w: %s is %T, want a string", ErrInvalidClaims, name, value)
			}
			input[claimInitData] = s
			input[inputInitDataClaims] = initDataClaims
		default:
			teeClaims[name] = value
		}
	}
	return input, nil
}
