package main

// The hardware attesters the agent detects, in upstream's order; without
// them every guest would attest as the sample TEE.
import _ "github.com/cocoon-cc/cocoon/internal/guest/attester/all"
