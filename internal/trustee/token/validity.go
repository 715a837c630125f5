package token

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// leeway is the clock skew tolerated on exp and nbf, jsonwebtoken's default.
const leeway = 60 * time.Second

func decodeClaims(payload []byte) (map[string]any, error) {
	claims, err := decodeObject(payload)
	if err != nil {
		return nil, fmt.Errorf("claims are not a JSON object: %w", err)
	}
	return claims, nil
}

// checkValidity requires "exp" and honours "nbf" when present. Upstream
// (jsonwebtoken with default Validation) ignores nbf; a token that says it
// is not valid yet is refused here.
func checkValidity(claims map[string]any, now time.Time) error {
	exp, present, err := numericDate(claims, "exp")
	if err != nil {
		return err
	}
	if !present {
		return errors.New(`"exp" claim is missing`)
	}
	if now.Add(-leeway).After(exp) {
		return fmt.Errorf("token expired at %s", exp.UTC().Format(time.RFC3339))
	}
	nbf, present, err := numericDate(claims, "nbf")
	if err != nil {
		return err
	}
	if present && now.Add(leeway).Before(nbf) {
		return fmt.Errorf("token not valid before %s", nbf.UTC().Format(time.RFC3339))
	}
	return nil
}

// numericDate reads an RFC 7519 NumericDate (seconds, possibly fractional).
func numericDate(claims map[string]any, name string) (time.Time, bool, error) {
	raw, ok := claims[name]
	if !ok {
		return time.Time{}, false, nil
	}
	number, ok := raw.(json.Number)
	if !ok {
		return time.Time{}, true, fmt.Errorf("%q claim is not a number", name)
	}
	seconds, err := number.Float64()
	// Beyond ±2^53 s a date is meaningless and float→int conversion undefined.
	if err != nil || math.Abs(seconds) > 1<<53 {
		return time.Time{}, true, fmt.Errorf("%q claim %s is not a valid date", name, number)
	}
	whole, frac := math.Modf(seconds)
	return time.Unix(int64(whole), int64(frac*1e9)), true, nil
}
