package nvidia_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/nvidia"
)

func TestParseEvidence(t *testing.T) {
	ev, err := nvidia.ParseEvidence([]byte(`{"device_evidence_list":[
		{"arch":"HOPPER","uuid":"u1","evidence":"00ff","certificate":"Y2VydA==","extra":1},
		{"arch":"LS10","evidence":"AP8=","certificate":""}],"other":true}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []nvidia.DeviceEvidence{
		{Arch: nvidia.ArchHopper, UUID: "u1", Evidence: "00ff", Certificate: "Y2VydA=="},
		{Arch: nvidia.ArchLS10, UUID: nvidia.DefaultUUID, Evidence: "AP8=", Certificate: ""},
	}
	if len(ev.Devices) != len(want) {
		t.Fatalf("devices = %+v", ev.Devices)
	}
	for i := range want {
		if ev.Devices[i] != want[i] {
			t.Errorf("device %d = %+v, want %+v", i, ev.Devices[i], want[i])
		}
		report, err := ev.Devices[i].Report()
		if err != nil || !bytes.Equal(report, []byte{0, 0xff}) {
			t.Errorf("device %d report = %x, %v; want 00ff (hex or base64)", i, report, err)
		}
	}
	if chain, err := ev.Devices[0].CertChainPEM(); err != nil || string(chain) != "cert" {
		t.Errorf("certificate = %q, %v", chain, err)
	}
}

func TestParseEvidenceRefuses(t *testing.T) {
	for name, in := range map[string]string{
		"not an object":       `[]`,
		"no list":             `{}`,
		"list is null":        `{"device_evidence_list":null}`,
		"empty list":          `{"device_evidence_list":[]}`,
		"entry not an object": `{"device_evidence_list":[1]}`,
		"unknown arch":        `{"device_evidence_list":[{"arch":"hopper","evidence":"","certificate":""}]}`,
		"key case differs":    `{"device_evidence_list":[{"ARCH":"Hopper","evidence":"","certificate":""}]}`,
		"no evidence":         `{"device_evidence_list":[{"arch":"Hopper","certificate":""}]}`,
		"null certificate":    `{"device_evidence_list":[{"arch":"Hopper","evidence":"","certificate":null}]}`,
		"null uuid":           `{"device_evidence_list":[{"arch":"Hopper","uuid":null,"evidence":"","certificate":""}]}`,
		"trailing data":       `{"device_evidence_list":[{"arch":"Hopper","evidence":"","certificate":""}]} {}`,
	} {
		if _, err := nvidia.ParseEvidence([]byte(in)); !errors.Is(err, nvidia.ErrInvalidEvidence) {
			t.Errorf("%s: ParseEvidence = %v, want %v", name, err, nvidia.ErrInvalidEvidence)
		}
	}
}

func TestEncodingsRefused(t *testing.T) {
	for name, d := range map[string]nvidia.DeviceEvidence{
		"report neither hex nor base64": {Evidence: "zz!"},
		"certificate not padded":        {Certificate: "Y2VydA"},
		"certificate with line break":   {Certificate: "Y2Vy\ndA=="},
		"certificate non-canonical":     {Certificate: "Y2VydB=="},
	} {
		_, errReport := d.Report()
		_, errChain := d.CertChainPEM()
		if d.Evidence != "" && !errors.Is(errReport, nvidia.ErrInvalidEvidence) {
			t.Errorf("%s: Report = %v", name, errReport)
		}
		if d.Certificate != "" && !errors.Is(errChain, nvidia.ErrInvalidEvidence) {
			t.Errorf("%s: CertChainPEM = %v", name, errChain)
		}
	}
}

// TestBase64Report: newer attesters send the report in base64.
func TestBase64Report(t *testing.T) {
	d := vectorDevice(t, vectorReportBytes(t), upstream.Read(t, vectorChain))
	d.Evidence = base64.StdEncoding.EncodeToString(vectorReportBytes(t))
	if _, err := newVerifier(t, vectorRoot(t)).VerifyDevice(t.Context(), d); err != nil {
		t.Fatal(err)
	}
}

func TestLoadRoot(t *testing.T) {
	blocks := pemBlocks(t, upstream.Read(t, vectorChain))
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var rootPEM, twoPEM, leafPEM bytes.Buffer
	_ = pemEncode(&rootPEM, blocks[len(blocks)-1])
	_ = pemEncode(&twoPEM, blocks[len(blocks)-1], blocks[0])
	_ = pemEncode(&leafPEM, blocks[1])
	root, err := nvidia.LoadRoot(write("root.pem", rootPEM.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got := root.Certificate().Subject.CommonName; got != "NVIDIA Device Identity CA" {
		t.Errorf("root CN = %q", got)
	}
	for name, path := range map[string]string{
		"missing":         filepath.Join(dir, "absent.pem"),
		"two blocks":      write("two.pem", twoPEM.Bytes()),
		"not self-signed": write("ca.pem", leafPEM.Bytes()),
		"not PEM":         write("junk.pem", []byte("junk")),
	} {
		if _, err := nvidia.LoadRoot(path); !errors.Is(err, nvidia.ErrInvalidRoot) {
			t.Errorf("%s: LoadRoot = %v, want %v", name, err, nvidia.ErrInvalidRoot)
		}
	}
}
