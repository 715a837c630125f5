package token

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// GenerateSigningKeyPEM returns a fresh P-256 private key as a PKCS#8 PEM,
// for writing a persistent signer key on first start.
func GenerateSigningKeyPEM() ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate P-256 key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode PKCS#8: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// parseSigningKey reads the first private key block of a PEM file, PKCS#8
// ("PRIVATE KEY") or SEC1 ("EC PRIVATE KEY"), and insists on P-256 because
// EAR tokens are ES256 (upstream HEAD rejects other curves as well).
func parseSigningKey(data []byte) (*ecdsa.PrivateKey, error) {
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no PRIVATE KEY or EC PRIVATE KEY block in PEM")
		}
		var key any
		var err error
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		default:
			continue // e.g. "EC PARAMETERS" written by openssl ecparam
		}
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", block.Type, err)
		}
		ecKey, ok := key.(*ecdsa.PrivateKey)
		if !ok || ecKey.Curve != elliptic.P256() {
			return nil, errors.New("signer key must be an EC P-256 key (ES256)")
		}
		return ecKey, nil
	}
}

// parseCertChain reads every CERTIFICATE block of a PEM file, leaf first.
func parseCertChain(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate %d: %w", len(certs), err)
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, errors.New("no CERTIFICATE block in PEM")
	}
	return certs, nil
}
