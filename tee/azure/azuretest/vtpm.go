// Package azuretest is a fake Azure confidential VM for tests: a vTPM
// whose RSA attestation key signs real quotes, an HCL report binding that
// key, and the hardware report under it, signed by snptest's fake AMD chip
// or tdxtest's fake TDX platform. Its evidence verifies under those fake
// roots and under nothing else.
package azuretest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"testing"

	"github.com/cocoon-cc/cocoon/tee/azure"
	"github.com/cocoon-cc/cocoon/tee/tpm"
)

// Inputs say what the fake guest reports.
type Inputs struct {
	// Version is the evidence version, 1 or 2.
	Version int
	// ReportData is the vTPM quote's nonce.
	ReportData []byte
	// UserData is the var-data's user-data; nil means ReportData padded
	// to 64 bytes, as the HCL writes it.
	UserData []byte
	// InitDataDigest, when not nil, is extended into PCR 8.
	InitDataDigest []byte
}

// VTPM is the paravisor's vTPM with its attestation key.
type VTPM struct {
	AK *rsa.PrivateKey
}

// NewVTPM returns a vTPM with a fresh 2048-bit AK.
func NewVTPM(t testing.TB) *VTPM {
	t.Helper()
	ak, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return &VTPM{AK: ak}
}

// VarData is the HCL var-data: the AK as a JWK, and the user-data.
func (v *VTPM) VarData(t testing.TB, in Inputs) []byte {
	t.Helper()
	userData := in.UserData
	if userData == nil {
		userData = make([]byte, 64)
		copy(userData, in.ReportData)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	doc := map[string]any{
		"keys": []any{map[string]any{
			"kid": "HCLAkPub", "key_ops": []string{"sign"}, "kty": "RSA",
			"e": b64(big.NewInt(int64(v.AK.E)).Bytes()), "n": b64(v.AK.N.Bytes()),
		}},
		"vm-configuration": map[string]any{"secure-boot": true, "tpm-enabled": true},
		"user-data":        hex.EncodeToString(userData),
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// PCRs are 24 SHA-256 PCR values, PCR 8 extended with initDataDigest
// when it is not nil.
func PCRs(initDataDigest []byte) [][]byte {
	pcrs := make([][]byte, tpm.PCRCount)
	for i := range pcrs {
		pcrs[i] = make([]byte, sha256.Size)
		pcrs[i][0] = byte(i + 1)
	}
	if initDataDigest != nil {
		v := tpm.InitDataPCRValue(initDataDigest)
		pcrs[tpm.InitDataPCR] = v[:]
	}
	return pcrs
}

// Quote returns a quote of pcrs (all 24 of the SHA-256 bank) with nonce,
// signed by the AK.
func (v *VTPM) Quote(t testing.TB, nonce []byte, pcrs [][]byte) azure.TPMQuote {
	t.Helper()
	digest := sha256.New()
	for _, p := range pcrs {
		digest.Write(p)
	}
	msg := binary.BigEndian.AppendUint32(nil, 0xff544347) // TPM_GENERATED_VALUE
	msg = binary.BigEndian.AppendUint16(msg, 0x8018)      // TPM_ST_ATTEST_QUOTE
	msg = sized(msg, []byte("fake-qualified-signer"))
	msg = sized(msg, nonce)
	msg = append(msg, make([]byte, 8+4+4+1+8)...) // clockInfo, firmwareVersion
	msg = binary.BigEndian.AppendUint32(msg, 1)   // one PCR bank:
	msg = binary.BigEndian.AppendUint16(msg, 0x000b)
	msg = append(msg, 3, 0xff, 0xff, 0xff) // SHA-256, PCRs 0-23
	msg = sized(msg, digest.Sum(nil))
	h := sha256.Sum256(msg)
	sig, err := rsa.SignPKCS1v15(rand.Reader, v.AK, crypto.SHA256, h[:])
	if err != nil {
		t.Fatal(err)
	}
	return azure.TPMQuote{Signature: sig, Message: msg, PCRs: pcrs}
}

func sized(b, v []byte) []byte {
	return append(binary.BigEndian.AppendUint16(b, uint16(len(v))), v...)
}

// HCLReport lays out an HCL report holding hardware (an SNP report or a
// TD report) and varData, padded as the NV index the guest reads it from.
func HCLReport(typ azure.ReportType, hardware, varData []byte) []byte {
	const hwSlot, size = 1184, 2600
	b := binary.LittleEndian.AppendUint32(nil, 0x414c4348) // "HCLA"
	b = binary.LittleEndian.AppendUint32(b, 1)             // version
	b = binary.LittleEndian.AppendUint32(b, uint32(20+len(varData)+hwSlot))
	b = append(b, make([]byte, 20)...) // request type, status, reserved
	slot := make([]byte, hwSlot)
	copy(slot, hardware)
	b = append(b, slot...)
	for _, v := range []uint32{uint32(20 + len(varData)), 1, uint32(typ), 1, uint32(len(varData))} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	b = append(b, varData...)
	if len(b) < size {
		b = append(b, make([]byte, size-len(b))...)
	}
	return b
}
