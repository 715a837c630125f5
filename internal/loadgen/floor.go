package loadgen

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// floorCase is one cryptographic operation every flow needs on the server.
type floorCase struct {
	name string
	op   func() error
}

// floorResult is the measured cost of one operation.
type floorResult struct {
	name    string
	perOp   time.Duration
	samples int
}

// measureFloor times the server-side cryptography of one flow: the EAR
// token is signed once (ES256) and verified once on the resource GET, the
// runtime data is canonicalised and hashed once, and the resource is
// wrapped to the TEE key once.
func measureFloor(budget time.Duration) ([]floorResult, error) {
	cases, err := floorCases()
	if err != nil {
		return nil, err
	}
	results := make([]floorResult, 0, len(cases))
	for _, c := range cases {
		if err := c.op(); err != nil { // warm up, and fail early
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		n := 0
		start := time.Now()
		for time.Since(start) < budget {
			if err := c.op(); err != nil {
				return nil, fmt.Errorf("%s: %w", c.name, err)
			}
			n++
		}
		results = append(results, floorResult{name: c.name, perOp: time.Since(start) / time.Duration(n), samples: n})
	}
	return results, nil
}

func floorCases() ([]floorCase, error) {
	signer, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tee, err := kbs.GenerateTeeKeyPair(kbs.KeyAlgorithmP256)
	if err != nil {
		return nil, err
	}
	nonce, err := kbs.NewNonce()
	if err != nil {
		return nil, err
	}
	// A token payload of realistic size: the EAR of a sample TEE is ~1.5 KiB.
	payload := make([]byte, 1536)
	digest := sha256.Sum256(payload)
	sig, err := ecdsa.SignASN1(rand.Reader, signer, digest[:])
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	runtimeData := kbs.PrimaryRuntimeData(nonce, tee.PublicKey(), "")
	return []floorCase{
		{"ES256 sign (token issue)", func() error {
			d := sha256.Sum256(payload)
			_, err := ecdsa.SignASN1(rand.Reader, signer, d[:])
			return err
		}},
		{"ES256 verify (token check)", func() error {
			d := sha256.Sum256(payload)
			if !ecdsa.VerifyASN1(&signer.PublicKey, d[:], sig) {
				return fmt.Errorf("signature does not verify")
			}
			return nil
		}},
		{"ECDH-ES+A256KW P-256 wrap (resource JWE)", func() error {
			_, err := kbs.Encrypt(tee.PublicKey(), secret)
			return err
		}},
		{"JCS + SHA-384 (runtime-data binding)", func() error {
			_, err := kbs.RuntimeDataDigest(kbs.SHA384, runtimeData)
			return err
		}},
	}, nil
}

// sumFloor is the server-side cryptographic cost of one flow.
func sumFloor(results []floorResult) time.Duration {
	var total time.Duration
	for _, r := range results {
		total += r.perOp
	}
	return total
}
