// Command trustee is Cocoon's Trustee: the Key Broker Service with its
// built-in Attestation Service and reference value provider, wire-compatible
// with upstream Trustee and guest-components.
package main

import (
	"os"
)

func main() {
	applyGCDefaults()
	if err := newRootCommand(os.Stdout, os.Stderr).Execute(); err != nil {
		os.Exit(1)
	}
}
