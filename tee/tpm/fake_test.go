package tpm

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"testing"
)

// fakeTPM signs quotes with a Go RSA key exactly as a TPM lays them out: a
// real-crypto stand-in for unit tests and fuzz seeds. The swtpm tests in
// test/tpm cover a real TPM.
type fakeTPM struct {
	key    *rsa.PrivateKey
	scheme uint16
	pcrs   [PCRCount][sha256.Size]byte
	// selected are the quoted PCRs; nil means all.
	selected []int
	events   []Event
}

var (
	fakeKeyOnce sync.Once
	fakeKey     *rsa.PrivateKey
)

func newFakeTPM(t testing.TB) *fakeTPM {
	t.Helper()
	fakeKeyOnce.Do(func() {
		var err error
		if fakeKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	f := &fakeTPM{key: fakeKey, scheme: algRSASSA}
	for i := range f.pcrs {
		f.pcrs[i] = sha256.Sum256([]byte{byte(i)})
	}
	return f
}

// extend measures e as the agent would: log it and extend its PCR.
func (f *fakeTPM) extend(e Event) {
	f.events = append(f.events, e)
	f.pcrs[e.PCR] = sha256.Sum256(append(f.pcrs[e.PCR][:], e.Digest[:]...))
}

func (f *fakeTPM) quoted() []int {
	if f.selected != nil {
		return f.selected
	}
	all := make([]int, PCRCount)
	for i := range all {
		all[i] = i
	}
	return all
}

func (f *fakeTPM) message(nonce []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, generatedValue)
	b = binary.BigEndian.AppendUint16(b, stAttestQuote)
	b = append2B(b, append([]byte{0, 0x0b}, make([]byte, 32)...)) // qualifiedSigner
	b = append2B(b, nonce)
	b = append(b, make([]byte, 8+4+4+1+8)...) // clockInfo, firmwareVersion
	bitmap := make([]byte, 3)
	h := sha256.New()
	for _, i := range f.quoted() {
		bitmap[i/8] |= 1 << (i % 8)
		h.Write(f.pcrs[i][:])
	}
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint16(b, algSHA256)
	b = append(b, byte(len(bitmap)))
	b = append(b, bitmap...)
	return append2B(b, h.Sum(nil))
}

func (f *fakeTPM) evidence(t testing.TB, reportData []byte) *Evidence {
	t.Helper()
	msg := f.message(Regularize(reportData, NonceSize))
	digest := sha256.Sum256(msg)
	var sig []byte
	var err error
	if f.scheme == algRSAPSS {
		sig, err = rsa.SignPSS(rand.Reader, f.key, crypto.SHA256, digest[:], nil)
	} else {
		sig, err = rsa.SignPKCS1v15(rand.Reader, f.key, crypto.SHA256, digest[:])
	}
	if err != nil {
		t.Fatal(err)
	}
	tpmtSig := binary.BigEndian.AppendUint16(nil, f.scheme)
	tpmtSig = binary.BigEndian.AppendUint16(tpmtSig, algSHA256)
	tpmtSig = append2B(tpmtSig, sig)
	der, err := x509.MarshalPKIXPublicKey(&f.key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ev := &Evidence{
		TPMQuote: Quote{
			Signature: base64.StdEncoding.EncodeToString(tpmtSig),
			Message:   base64.StdEncoding.EncodeToString(msg),
		},
		AKPublic: base64.StdEncoding.EncodeToString(der),
	}
	for _, v := range f.pcrs {
		ev.TPMQuote.PCRs = append(ev.TPMQuote.PCRs, hex.EncodeToString(v[:]))
	}
	if len(f.events) > 0 {
		var log []byte
		for _, e := range f.events {
			log, _ = e.AppendBinary(log)
		}
		ev.AAEventLog = base64.StdEncoding.EncodeToString(log)
	}
	return ev
}

func append2B(b, data []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(data)))
	return append(b, data...)
}

func mustKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
