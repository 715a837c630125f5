package snp_test

// Upstream test vectors, read in place with upstream.Read.
const (
	e2eEvidence    = "trustee/as/snp-evidence.json"
	milanReport    = "trustee/verifier/snp/test-report.bin"
	milanVCEK      = "trustee/verifier/snp/test-vcek.der"
	legacyHWIDVCEK = "trustee/verifier/snp/test-vcek-invalid-legacy.der"
	newHWIDVCEK    = "trustee/verifier/snp/test-vcek-invalid-new.der"
)
