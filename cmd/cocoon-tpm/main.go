// Command cocoon-tpm provisions the TPM attestation of a guest: it prints
// the attestation key (creating it when absent) and the PCRs, in the form
// Trustee's reference values "trusted_aks" and "tpm_pcr11" want.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand(os.Stdout).ExecuteContext(ctx)
	stop()
	if err != nil {
		os.Exit(1)
	}
}
