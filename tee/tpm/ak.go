package tpm

import (
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"
)

// ErrUnsuitableAK means the key at the AK handle cannot sign quotes the
// verifier accepts.
var ErrUnsuitableAK = errors.New("tpm: the key at the AK handle is not a restricted RSA signing key")

// akTemplate is the AK upstream expects (tpm2_createak -G rsa -g sha256
// -s rsassa): RSA 2048, restricted signing, RSASSA with SHA-256. It is a
// primary key of the endorsement hierarchy, so re-creating it after an
// eviction yields the same key, which keeps its reference value valid.
func akTemplate() tpm2.TPMTPublic {
	return tpm2.TPMTPublic{
		Type:    tpm2.TPMAlgRSA,
		NameAlg: tpm2.TPMAlgSHA256,
		ObjectAttributes: tpm2.TPMAObject{
			FixedTPM:            true,
			FixedParent:         true,
			SensitiveDataOrigin: true,
			UserWithAuth:        true,
			NoDA:                true,
			Restricted:          true,
			SignEncrypt:         true,
		},
		Parameters: tpm2.NewTPMUPublicParms(tpm2.TPMAlgRSA, &tpm2.TPMSRSAParms{
			Symmetric: tpm2.TPMTSymDefObject{Algorithm: tpm2.TPMAlgNull},
			Scheme: tpm2.TPMTRSAScheme{
				Scheme:  tpm2.TPMAlgRSASSA,
				Details: tpm2.NewTPMUAsymScheme(tpm2.TPMAlgRSASSA, &tpm2.TPMSSigSchemeRSASSA{HashAlg: tpm2.TPMAlgSHA256}),
			},
			KeyBits: 2048,
		}),
		Unique: tpm2.NewTPMUPublicID(tpm2.TPMAlgRSA, &tpm2.TPM2BPublicKeyRSA{Buffer: make([]byte, 256)}),
	}
}

// attestationKey is the AK as the attester uses it.
type attestationKey struct {
	handle tpm2.NamedHandle
	// der is the DER SubjectPublicKeyInfo, what "ak_public" carries.
	der []byte
}

// loadOrCreateAK reads the AK at handle, creating and persisting it when
// the handle is empty. It reports whether it created the key.
func loadOrCreateAK(t transport.TPM, handle uint32) (*attestationKey, bool, error) {
	rsp, err := tpm2.ReadPublic{ObjectHandle: tpm2.TPMHandle(handle)}.Execute(t)
	created := false
	if errors.Is(err, tpm2.TPMRCHandle) {
		if err := createAK(t, handle); err != nil {
			return nil, false, err
		}
		created = true
		rsp, err = tpm2.ReadPublic{ObjectHandle: tpm2.TPMHandle(handle)}.Execute(t)
	}
	if err != nil {
		return nil, false, fmt.Errorf("tpm: read AK %#x: %w", handle, err)
	}
	pub, err := rsp.OutPublic.Contents()
	if err != nil {
		return nil, false, fmt.Errorf("tpm: read AK %#x: %w", handle, err)
	}
	der, err := akDER(pub)
	if err != nil {
		return nil, false, fmt.Errorf("%w (%#x): %w", ErrUnsuitableAK, handle, err)
	}
	return &attestationKey{
		handle: tpm2.NamedHandle{Handle: tpm2.TPMHandle(handle), Name: rsp.Name},
		der:    der,
	}, created, nil
}

// akDER checks that pub can sign quotes and returns its SubjectPublicKeyInfo.
func akDER(pub *tpm2.TPMTPublic) ([]byte, error) {
	attrs := pub.ObjectAttributes
	if pub.Type != tpm2.TPMAlgRSA || !attrs.Restricted || !attrs.SignEncrypt || attrs.Decrypt {
		return nil, errors.New("want type RSA with restricted and sign set, decrypt clear")
	}
	params, err := pub.Parameters.RSADetail()
	if err != nil {
		return nil, err
	}
	if s := params.Scheme.Scheme; s != tpm2.TPMAlgRSASSA && s != tpm2.TPMAlgRSAPSS {
		return nil, fmt.Errorf("signing scheme %#x is not RSASSA or RSAPSS", s)
	}
	key, err := tpm2.Pub(*pub)
	if err != nil {
		return nil, err
	}
	rsaKey, ok := key.(*rsa.PublicKey)
	if !ok || rsaKey.N.BitLen() < minAKBits {
		return nil, fmt.Errorf("want RSA of at least %d bits", minAKBits)
	}
	return x509.MarshalPKIXPublicKey(rsaKey)
}

func createAK(t transport.TPM, handle uint32) error {
	primary, err := tpm2.CreatePrimary{
		PrimaryHandle: tpm2.AuthHandle{Handle: tpm2.TPMRHEndorsement, Auth: tpm2.PasswordAuth(nil)},
		InPublic:      tpm2.New2B(akTemplate()),
	}.Execute(t)
	if err != nil {
		return fmt.Errorf("tpm: create AK in the endorsement hierarchy: %w", err)
	}
	defer func() {
		_, _ = tpm2.FlushContext{FlushHandle: primary.ObjectHandle}.Execute(t)
	}()
	_, err = tpm2.EvictControl{
		Auth:             tpm2.AuthHandle{Handle: tpm2.TPMRHOwner, Auth: tpm2.PasswordAuth(nil)},
		ObjectHandle:     tpm2.NamedHandle{Handle: primary.ObjectHandle, Name: primary.Name},
		PersistentHandle: tpm2.TPMHandle(handle),
	}.Execute(t)
	if err != nil {
		return fmt.Errorf("tpm: persist AK at %#x: %w", handle, err)
	}
	return nil
}
