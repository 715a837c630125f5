package image

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/cocoon-cc/cocoon/test/image/imagetest"
)

const (
	packetAnnotation  = "org.opencontainers.image.enc.keys.provider.attestation-agent"
	pubOptsAnnotation = "org.opencontainers.image.enc.pubopts"
	encryptedGzip     = "application/vnd.oci.image.layer.v1.tar+gzip+encrypted"
)

// testImage is busybox-static plus a data layer, as the guest tests use it.
func testImage(t *testing.T) *imagetest.Image {
	return imagetest.BuildImage(t, imagetest.BusyboxLayer(t), imagetest.DataLayer(map[string][]byte{
		"data/hello.txt":  []byte("hello from an encrypted layer\n"),
		"data/nested/key": bytes.Repeat([]byte{0xA5}, 4096),
	}))
}

// The flow: an image pushed by Debian's skopeo is encrypted by
// cocoon-image through a running coco-keyprovider, which registers the
// KEK in a running trustee; the registry holds encrypted layers with
// AnnotationPackets naming that KEK, which an attested guest can fetch.
func TestEncryptThroughKeyProviderAndTrustee(t *testing.T) {
	reg := imagetest.StartRegistry(t)
	skopeo := imagetest.NewSkopeo(t)
	img := testImage(t)
	plain := skopeo.Push(t, img, reg.Ref("app", "plain"))
	tr := imagetest.StartTrustee(t, bin["trustee"], true)
	kp := imagetest.StartKeyProvider(t, bin["coco-keyprovider"], tr)

	for _, alg := range []string{"A256GCM", "A256CTR"} {
		t.Run(alg, func(t *testing.T) {
			keyPath := "default/key/t1-" + strings.ToLower(alg)
			encrypted := reg.Ref("app", "encrypted-"+strings.ToLower(alg))
			digest := imagetest.CocoonImage(t, bin["cocoon-image"], kp.Env(), "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
				"--encryption-key", "provider:attestation-agent:keyid=kbs:///"+keyPath+"::algorithm="+alg, plain, encrypted)

			raw, m := skopeo.InspectRaw(t, encrypted)
			if got := strings.TrimSpace(digest); got != digestOf(raw) {
				t.Errorf("cocoon-image printed %s, the registry's manifest is %s", got, digestOf(raw))
			}
			if m.MediaType != imgspecv1.MediaTypeImageManifest || len(m.Layers) != len(img.Layers) {
				t.Fatalf("manifest %s", raw)
			}
			kek, err := tr.GetResource(context.Background(), keyPath)
			if err != nil || len(kek) != 32 {
				t.Fatalf("KEK from trustee as an attested guest: %d bytes, %v", len(kek), err)
			}
			for i, layer := range m.Layers {
				if layer.MediaType != encryptedGzip {
					t.Errorf("layer %d media type %s, want %s", i, layer.MediaType, encryptedGzip)
				}
				if layer.Digest == img.Layers[i] {
					t.Errorf("layer %d is stored unencrypted", i)
				}
				packet := decodePacket(t, layer.Annotations[packetAnnotation])
				if packet.Kid != "kbs:///"+keyPath || packet.WrapType != alg {
					t.Errorf("layer %d packet kid %q wrap_type %q", i, packet.Kid, packet.WrapType)
				}
				if layer.Annotations[pubOptsAnnotation] == "" {
					t.Errorf("layer %d has no %s", i, pubOptsAnnotation)
				}
			}
		})
	}
}

// Without a reachable Trustee the key provider cannot register the KEK,
// and the copy fails instead of writing an image nobody can decrypt.
func TestEncryptFailsWhenRegistrationFails(t *testing.T) {
	reg := imagetest.StartRegistry(t)
	img := testImage(t)
	tr := imagetest.StartTrustee(t, bin["trustee"], true)
	kp := imagetest.StartKeyProvider(t, bin["coco-keyprovider"], tr)
	tr.Stop()
	out, err := imagetest.CocoonImageResult(bin["cocoon-image"], kp.Env(), "copy", "--dest-tls-verify=false",
		"--encryption-key", "provider:attestation-agent:keyid=kbs:///default/key/lost", img.Ref, reg.Ref("app", "lost"))
	if err == nil || !strings.Contains(err.Error(), "registration") {
		t.Fatalf("copy with Trustee down: %v\n%s", err, out)
	}
	if _, err := imagetest.NewSkopeo(t).Run(context.Background(), "inspect", "--raw", "--tls-verify=false", reg.Ref("app", "lost")); err == nil {
		t.Error("an image was written although its KEK was not registered")
	}
}

type annotationPacket struct {
	Kid, WrappedData, IV, WrapType string
}

func decodePacket(t *testing.T, annotation string) annotationPacket {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(annotation)
	if err != nil {
		t.Fatalf("packet annotation %q: %v", annotation, err)
	}
	var p struct {
		Kid         string `json:"kid"`
		WrappedData string `json:"wrapped_data"`
		IV          string `json:"iv"`
		WrapType    string `json:"wrap_type"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("packet %s: %v", raw, err)
	}
	return annotationPacket{p.Kid, p.WrappedData, p.IV, p.WrapType}
}
