package token

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// endorse checks that x5c[0] certifies key and chains, through the other
// x5c certificates in any order, to one of roots at time now. As in
// upstream, every trusted certificate is an anchor, intermediates included.
func endorse(key jose.JSONWebKey, x5c []string, roots *x509.CertPool, now time.Time) error {
	if len(x5c) == 0 {
		return errors.New("no x5c certificate chain to endorse the key")
	}
	chain := make([]*x509.Certificate, len(x5c))
	for i, encoded := range x5c {
		cert, err := parseX5CEntry(encoded)
		if err != nil {
			return fmt.Errorf("x5c[%d]: %w", i, err)
		}
		chain[i] = cert
	}
	leafKey, ok := chain[0].PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !leafKey.Equal(key.Key) {
		return errors.New("key does not match the x5c leaf certificate")
	}
	intermediates := x509.NewCertPool()
	for _, cert := range chain[1:] {
		intermediates.AddCert(cert)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: intermediates,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return fmt.Errorf("x5c does not chain to a trusted certificate: %w", err)
	}
	return nil
}

// parseX5CEntry decodes one x5c member. RFC 7517 says standard base64; like
// upstream, line breaks are ignored and unpadded base64url is tolerated.
func parseX5CEntry(encoded string) (*x509.Certificate, error) {
	encoded = strings.TrimSpace(strings.ReplaceAll(encoded, "\n", ""))
	der, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		if der, err = base64.RawURLEncoding.DecodeString(encoded); err != nil {
			return nil, errors.New("not base64")
		}
	}
	return x509.ParseCertificate(der)
}
