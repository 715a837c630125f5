package nvidia_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/nvidia"
)

// TestFlippedReportRefused flips one byte of the signed part (in the
// request nonce, in a measurement, in the opaque data) and of the
// signature: each is refused by the signature check.
func TestFlippedReportRefused(t *testing.T) {
	good := vectorReportBytes(t)
	r, err := nvidia.ParseReport(good, nvidia.HopperSignatureSize)
	if err != nil {
		t.Fatal(err)
	}
	signedEnd := len(r.Signed)
	v := newVerifier(t, vectorRoot(t))
	chain := upstream.Read(t, vectorChain)
	for name, off := range map[string]int{
		"request nonce":         10,
		"measurement value":     nvidia.RequestSize + 8 + 4 + 3 + 48 + 20, // inside block 2
		"last signed byte":      signedEnd - 1,
		"first signature byte":  signedEnd,
		"last signature byte":   signedEnd + nvidia.HopperSignatureSize - 1,
		"middle of signature s": signedEnd + 60,
	} {
		t.Run(name, func(t *testing.T) {
			bad := bytes.Clone(good)
			bad[off] ^= 0x01
			_, err := v.VerifyDevice(context.Background(), vectorDevice(t, bad, chain))
			if !errors.Is(err, nvidia.ErrBadSignature) {
				t.Errorf("VerifyDevice = %v, want %v", err, nvidia.ErrBadSignature)
			}
		})
	}
}

// TestFlippedChainRefused flips the last byte (in the signature value) of
// each certificate of the chain: a changed root is not the trusted one,
// any other changed certificate breaks the chain.
func TestFlippedChainRefused(t *testing.T) {
	report := vectorReportBytes(t)
	v := newVerifier(t, vectorRoot(t))
	blocks := pemBlocks(t, upstream.Read(t, vectorChain))
	for i := range blocks {
		want := nvidia.ErrChainInvalid
		if i == len(blocks)-1 {
			want = nvidia.ErrUntrustedRoot
		}
		var chain bytes.Buffer
		for j, b := range blocks {
			if j == i {
				b = &pem.Block{Type: b.Type, Bytes: bytes.Clone(b.Bytes)}
				b.Bytes[len(b.Bytes)-1] ^= 0x01
			}
			if err := pem.Encode(&chain, b); err != nil {
				t.Fatal(err)
			}
		}
		_, err := v.VerifyDevice(context.Background(), vectorDevice(t, report, chain.Bytes()))
		if !errors.Is(err, want) {
			t.Errorf("certificate %d flipped: VerifyDevice = %v, want %v", i, err, want)
		}
	}
}

// TestOtherRootRefused: the chain verifies only to the configured root.
func TestOtherRootRefused(t *testing.T) {
	chain, err := nvidia.ParseCertChain(upstream.Read(t, vectorChain))
	if err != nil {
		t.Fatal(err)
	}
	// Trust the GH100 identity CA instead: the chain still ends in the
	// device identity CA, which is then not trusted.
	v := newVerifier(t, nvidia.NewRoot(chain[len(chain)-2]))
	_, err = v.VerifyDevice(context.Background(), vectorDevice(t, vectorReportBytes(t), upstream.Read(t, vectorChain)))
	if !errors.Is(err, nvidia.ErrUntrustedRoot) {
		t.Errorf("VerifyDevice = %v, want %v", err, nvidia.ErrUntrustedRoot)
	}
}

// TestNonceBinding: the request nonce must be the expected report data
// regularised to 32 bytes.
func TestNonceBinding(t *testing.T) {
	r, err := nvidia.ParseReport(vectorReportBytes(t), nvidia.HopperSignatureSize)
	if err != nil {
		t.Fatal(err)
	}
	nonce := mustHex(t, vectorNonce)
	sha384Like := append(bytes.Clone(nonce), bytes.Repeat([]byte{0xaa}, 16)...)
	other := bytes.Clone(nonce)
	other[31] ^= 0x80
	for _, c := range []struct {
		name     string
		expected []byte
		want     error
	}{
		{"exact", nonce, nil},
		{"48-byte digest truncated", sha384Like, nil},
		{"another nonce", other, nvidia.ErrNonceMismatch},
		{"shorter, zero-padded", nonce[:16], nvidia.ErrNonceMismatch},
		{"none", nil, nvidia.ErrNoExpectedReportData},
	} {
		if err := nvidia.ValidateNonce(r, c.expected); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%s: ValidateNonce = %v, want %v", c.name, err, c.want)
		}
	}
}

// TestOnlyHopperVerifiedLocally, as upstream.
func TestOnlyHopperVerifiedLocally(t *testing.T) {
	v := newVerifier(t, vectorRoot(t))
	for _, arch := range []nvidia.Arch{nvidia.ArchBlackwell, nvidia.ArchLS10} {
		d := vectorDevice(t, vectorReportBytes(t), upstream.Read(t, vectorChain))
		d.Arch = arch
		if _, err := v.VerifyDevice(context.Background(), d); !errors.Is(err, nvidia.ErrUnsupportedArch) {
			t.Errorf("%s: VerifyDevice = %v, want %v", arch, err, nvidia.ErrUnsupportedArch)
		}
	}
}

func TestNewVerifierNeedsRoot(t *testing.T) {
	if _, err := nvidia.NewVerifier(nvidia.VerifierOptions{}); !errors.Is(err, nvidia.ErrInvalidRoot) {
		t.Errorf("NewVerifier without root = %v, want %v", err, nvidia.ErrInvalidRoot)
	}
}

func pemBlocks(t testing.TB, b []byte) []*pem.Block {
	t.Helper()
	var blocks []*pem.Block
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			return blocks
		}
		blocks = append(blocks, block)
	}
}
