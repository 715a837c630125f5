package imagetest

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// SigstoreSignature is one cosign signature of a registry attachment.
type SigstoreSignature struct {
	Payload   []byte // the simple-signing JSON that was signed
	Signature string // base64 ASN.1 ECDSA signature of SHA-256(Payload)
}

// SigstoreSignatures downloads (with skopeo) the cosign attachment of
// manifestDigest in repoRef ("docker://host/repo") and returns its
// signatures; a missing attachment fails the test.
func (s *Skopeo) SigstoreSignatures(t testing.TB, repoRef string, manifestDigest digest.Digest) []SigstoreSignature {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "attachment")
	if err := s.Copy(context.Background(), AttachmentRef(repoRef, manifestDigest), "dir:"+dir); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m imgspecv1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var sigs []SigstoreSignature
	for _, layer := range m.Layers {
		payload, err := os.ReadFile(filepath.Join(dir, layer.Digest.Encoded()))
		if err != nil {
			t.Fatal(err)
		}
		if digest.FromBytes(payload) != layer.Digest {
			t.Fatalf("attachment payload does not match its digest %s", layer.Digest)
		}
		sigs = append(sigs, SigstoreSignature{Payload: payload, Signature: layer.Annotations["dev.cosignproject.cosign/signature"]})
	}
	return sigs
}

// Verify checks the signature with an ECDSA public key PEM (cosign's
// scheme) and that the payload claims manifestDigest and dockerReference,
// as a sigstoreSigned policy with matchRepository... would, minus the
// identity matching rules.
func (sig SigstoreSignature) Verify(publicKeyPEM []byte, manifestDigest digest.Digest, dockerReference string) error {
	block, _ := pem.Decode(publicKeyPEM)
	if block == nil {
		return errors.New("public key is not PEM")
	}
	parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return err
	}
	pub, ok := parsed.(*ecdsa.PublicKey)
	if !ok {
		return fmt.Errorf("public key is a %T, not ECDSA", parsed)
	}
	der, err := base64.StdEncoding.DecodeString(sig.Signature)
	if err != nil {
		return fmt.Errorf("signature annotation: %w", err)
	}
	sum := sha256.Sum256(sig.Payload)
	if !ecdsa.VerifyASN1(pub, sum[:], der) {
		return errors.New("signature does not verify with the public key")
	}
	var payload struct {
		Critical struct {
			Type  string `json:"type"`
			Image struct {
				DockerManifestDigest string `json:"docker-manifest-digest"`
			} `json:"image"`
			Identity struct {
				DockerReference string `json:"docker-reference"`
			} `json:"identity"`
		} `json:"critical"`
	}
	if err := json.Unmarshal(sig.Payload, &payload); err != nil {
		return fmt.Errorf("payload: %w", err)
	}
	c := payload.Critical
	if c.Type != "cosign container image signature" || c.Image.DockerManifestDigest != manifestDigest.String() ||
		c.Identity.DockerReference != dockerReference {
		return fmt.Errorf("payload claims %+v, want %s of %s", c, manifestDigest, dockerReference)
	}
	return nil
}
