package kbs

import (
	"github.com/golang-jwt/jwt/v5"

	"github.com/cocoon-cc/cocoon/internal/jsonscan"
)

// validityClaims returns the exp and nbf claims of a JWT claims set, with
// the result json.Unmarshal gives for
//
//	struct{ Expiry, NotBefore *jwt.NumericDate `json:"exp"`/`json:"nbf"` }
//
// on every input (see jsonscan.Members): only top-level members count, the
// last duplicate wins and null clears. It exists because an EAR token is
// kilobytes of claims the client never reads, and decoding them all cost
// more than the rest of the handshake's parsing.
func validityClaims(payload []byte) (exp, nbf *jwt.NumericDate, err error) {
	err = jsonscan.Members(payload, func(name, value []byte) error {
		var err error
		switch {
		case nameIs(name, "exp"):
			exp, err = numericDate(value)
		case nameIs(name, "nbf"):
			nbf, err = numericDate(value)
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return exp, nbf, nil
}

// numericDate decodes one claim value as encoding/json does for a
// *jwt.NumericDate field: null leaves it unset, anything else goes to its
// UnmarshalJSON.
func numericDate(raw []byte) (*jwt.NumericDate, error) {
	if raw[0] == 'n' {
		return nil, nil
	}
	d := new(jwt.NumericDate)
	if err := d.UnmarshalJSON(raw); err != nil {
		return nil, err
	}
	return d, nil
}
