package as

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/internal/trustee/token"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// VerificationRequest is one piece of evidence to verify: the primary TEE's
// or an additional device's.
type VerificationRequest struct {
	Tee      kbs.Tee
	Evidence json.RawMessage
	// RuntimeData is the structured runtime data the KBS rebuilt from the
	// session; the evidence must carry HashAlgorithm(JCS(RuntimeData)).
	RuntimeData any
	// HashAlgorithm hashes RuntimeData; "" means SHA-384.
	HashAlgorithm kbs.HashAlgorithm
	// InitData is the init-data document the evidence is bound to, if any
	// (the KBS passes it with the primary evidence only).
	InitData *kbs.InitData
}

// Log attribute keys.
const (
	logKeyTee      = "tee"
	logKeyClass    = "class"
	logKeyPolicy   = "policy"
	logKeySubmod   = "submod"
	logKeyStatus   = "status"
	logKeyIgnoredN = "ignored_policy_ids"
)

// appraisalInput is one verified claim set, ready for its class's policy.
type appraisalInput struct {
	tee   kbs.Tee
	class verifier.Class
	// input is the policy input and, unchanged, the submodule's
	// ear.veraison.annotated-evidence.
	input map[string]any
}

// Evaluate verifies every request, appraises each resulting claim set with
// the policy "<policy id>_<class>" and returns a signed EAR token with one
// submodule per claim set. Only the first policy id is used; none means
// "default".
func (s *Service) Evaluate(ctx context.Context, reqs []VerificationRequest, policyIDs []string) (string, error) {
	if len(reqs) == 0 {
		return "", ErrNoEvidence
	}
	policyID, err := s.selectPolicyID(policyIDs)
	if err != nil {
		return "", err
	}

	var inputs []appraisalInput
	for i, req := range reqs {
		verified, err := s.verify(ctx, req)
		if err != nil {
			return "", fmt.Errorf("as: verification request %d (TEE %q): %w", i, req.Tee, err)
		}
		inputs = append(inputs, verified...)
	}

	submods := make(map[string]token.Submodule, len(inputs))
	nextIndex := make(map[verifier.Class]int)
	for _, in := range inputs {
		name := fmt.Sprintf("%s%d", in.class, nextIndex[in.class])
		nextIndex[in.class]++
		submod, err := s.appraise(ctx, policyID, in)
		if err != nil {
			return "", fmt.Errorf("as: appraise %s (TEE %q): %w", name, in.tee, err)
		}
		submods[name] = submod
		s.logger.InfoContext(ctx, "evidence appraised", logKeySubmod, name, logKeyTee, string(in.tee),
			logKeyPolicy, policyID, logKeyStatus, token.Status(submod.TrustVector))
	}

	tok, err := s.issuer.Issue(ctx, submods)
	if err != nil {
		return "", fmt.Errorf("as: issue token: %w", err)
	}
	return tok, nil
}

// selectPolicyID applies upstream's rule: "default" when none is given,
// and only the first of several.
func (s *Service) selectPolicyID(ids []string) (string, error) {
	if len(ids) == 0 {
		return DefaultPolicyID, nil
	}
	if len(ids) > 1 {
		s.logger.Warn("only the first policy id is used", logKeyPolicy, ids[0], logKeyIgnoredN, len(ids)-1)
	}
	if err := validatePolicyID(ids[0]); err != nil {
		return "", err
	}
	return ids[0], nil
}

// verify checks one request's evidence and returns the policy input of
// each claim set it yields.
func (s *Service) verify(ctx context.Context, req VerificationRequest) ([]appraisalInput, error) {
	v, err := s.verifiers.Lookup(req.Tee)
	if err != nil {
		return nil, err
	}
	reportData, runtimeDataClaims, err := bindRuntimeData(req.HashAlgorithm, req.RuntimeData, s.cfg.VerboseToken)
	if err != nil {
		return nil, err
	}
	initData, err := parseInitData(req.InitData)
	if err != nil {
		return nil, err
	}

	sets, err := v.Verify(ctx, req.Evidence, verifier.Expected{ReportData: reportData, InitDataDigest: initData.digest})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVerification, err)
	}

	inputs := make([]appraisalInput, 0, len(sets))
	for _, set := range sets {
		input, err := policyInput(req.Tee, set.Claims, runtimeDataClaims, initData.claims)
		if err != nil {
			return nil, err
		}
		s.logger.InfoContext(ctx, "evidence verified", logKeyTee, string(req.Tee), logKeyClass, string(set.Class))
		inputs = append(inputs, appraisalInput{tee: req.Tee, class: set.Class, input: input})
	}
	return inputs, nil
}

// appraise evaluates the class's policy on one claim set.
func (s *Service) appraise(ctx context.Context, policyID string, in appraisalInput) (token.Submodule, error) {
	evaluated := policyID + "_" + string(in.class)
	module, err := s.GetPolicy(ctx, evaluated)
	if err != nil {
		return token.Submodule{}, err
	}
	appraisal, err := s.policies.Appraise(ctx, module, in.input, s.rv)
	if err != nil {
		return token.Submodule{}, fmt.Errorf("policy %q: %w", evaluated, err)
	}
	var extensions map[string]any
	if len(appraisal.Extensions) > 0 {
		extensions = make(map[string]any, len(appraisal.Extensions))
		for _, ext := range appraisal.Extensions {
			extensions[ext.Name] = ext.Value
		}
	}
	return token.Submodule{
		TrustVector:       appraisal.TrustVector,
		PolicyID:          policyID,
		AnnotatedEvidence: in.input,
		Extensions:        extensions,
	}, nil
}
