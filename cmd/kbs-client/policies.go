package main

import (
	"embed"
	"fmt"
)

// presetPolicies are the resource policies set-resource-policy can upload
// by name: Cocoon's own Rego with the meaning of upstream's sample policies.
//
//go:embed policies/*.rego
var presetPolicies embed.FS

// Names of the preset resource policies, as flag names.
const (
	presetAllowAll  = "allow-all"
	presetDenyAll   = "deny-all"
	presetAffirming = "affirming"
	presetDefault   = "default"
)

var presetFiles = map[string]string{
	presetAllowAll:  "policies/allow_all.rego",
	presetDenyAll:   "policies/deny_all.rego",
	presetAffirming: "policies/affirming.rego",
	presetDefault:   "policies/default.rego",
}

func presetPolicy(name string) ([]byte, error) {
	file, ok := presetFiles[name]
	if !ok {
		return nil, fmt.Errorf("no preset resource policy %q", name)
	}
	return presetPolicies.ReadFile(file)
}
