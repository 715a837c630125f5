// Package nvidiatest is a fake NVIDIA device for tests: a device identity
// root, a provisioning CA and a signing certificate binding a firmware id,
// all with real P-384 keys, that re-signs SPDM reports for any nonce. The
// verifier accepts its reports when given Root, and refuses them under
// NVIDIA's root.
package nvidiatest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/tee/nvidia"
)

// Validity of the fake certificates.
var (
	NotBefore = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	NotAfter  = time.Date(2034, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Device is a fake Hopper GPU.
type Device struct {
	// Root, CA and Signer are the chain, root last in Chain.
	Root, CA, Signer          *x509.Certificate
	RootKey, CAKey, SignerKey *ecdsa.PrivateKey
}

// NewDevice returns a device whose signing certificate binds fwid (hex,
// 48 bytes), the FWID its reports must carry.
func NewDevice(t testing.TB, fwid string) *Device {
	t.Helper()
	rawFWID, err := hex.DecodeString(fwid)
	if err != nil || len(rawFWID) != 48 {
		t.Fatalf("nvidiatest: fwid must be 48 bytes of hex, got %q", fwid)
	}
	d := &Device{RootKey: newKey(t), CAKey: newKey(t), SignerKey: newKey(t)}
	d.Root = issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "Fake NVIDIA Device Identity CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil, d.RootKey, nil)
	d.CA = issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "Fake GH100 Provisioner ICA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, d.Root, d.CAKey, d.RootKey)
	d.Signer = issue(t, &x509.Certificate{
		Subject:  pkix.Name{CommonName: "Fake GH100 GSP FMC LF"},
		KeyUsage: x509.KeyUsageDigitalSignature,
		// TCG DICE TcbInfo; the verifier reads the FWID as its last 48 bytes.
		ExtraExtensions: []pkix.Extension{{Id: []int{2, 23, 133, 5, 4, 1}, Value: append([]byte{0x30, 0x32, 0x04, 0x30}, rawFWID...)}},
	}, d.CA, d.SignerKey, d.CAKey)
	return d
}

// ChainPEM is the device's chain as the evidence carries it: signer, CA,
// root.
func (d *Device) ChainPEM() []byte {
	var b bytes.Buffer
	for _, c := range []*x509.Certificate{d.Signer, d.CA, d.Root} {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

// RootPEM is the root, as root_ca_path would hold it.
func (d *Device) RootPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d.Root.Raw})
}

// Sign returns a copy of template (an SPDM report with a Hopper signature)
// answering nonce (regularised to 32 bytes) and signed by the device.
func (d *Device) Sign(t testing.TB, template, nonce []byte) []byte {
	t.Helper()
	r, err := nvidia.ParseReport(template, nvidia.HopperSignatureSize)
	if err != nil {
		t.Fatalf("nvidiatest: template: %v", err)
	}
	out := bytes.Clone(template)
	n := make([]byte, nvidia.NonceSize)
	copy(n, nonce)
	copy(out[4:4+nvidia.NonceSize], n)
	signedEnd := len(r.Signed)
	digest := sha512.Sum384(out[:signedEnd])
	rInt, sInt, err := ecdsa.Sign(rand.Reader, d.SignerKey, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	rInt.FillBytes(out[signedEnd : signedEnd+48])
	sInt.FillBytes(out[signedEnd+48 : signedEnd+96])
	return out
}

// Evidence is the nvidia evidence JSON for one Hopper device with report.
func (d *Device) Evidence(t testing.TB, uuid string, report []byte) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(map[string]any{"device_evidence_list": []map[string]string{{
		"arch": "HOPPER", "uuid": uuid, "evidence": hex.EncodeToString(report),
		"certificate": base64.StdEncoding.EncodeToString(d.ChainPEM()),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// issue signs tmpl by parent (self-signed when parent is nil).
func issue(t testing.TB, tmpl, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = serial.Add(serial, big.NewInt(1))
	tmpl.NotBefore, tmpl.NotAfter = NotBefore, NotAfter
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
