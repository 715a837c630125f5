package rvps

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// referenceValueVersion is the version of the stored record format.
const referenceValueVersion = "0.1.0"

// expirationLayout is how upstream writes and reads "expiration" (UTC,
// whole seconds).
const expirationLayout = "2006-01-02T15:04:05Z"

// monthsBeforeExpiration is upstream's default validity of a new value.
const monthsBeforeExpiration = 12

// referenceValue is the stored record, as upstream's ReferenceValue.
type referenceValue struct {
	Version    string          `json:"version"`
	Name       string          `json:"name"`
	Expiration string          `json:"expiration"`
	Value      json.RawMessage `json:"value"`

	expiresAt time.Time
}

func decodeReferenceValue(record []byte) (referenceValue, error) {
	var rv referenceValue
	if err := json.Unmarshal(record, &rv); err != nil {
		return referenceValue{}, err
	}
	if rv.Value == nil {
		return referenceValue{}, errors.New(`missing "value"`)
	}
	expiresAt, err := time.Parse(expirationLayout, rv.Expiration)
	if err != nil {
		return referenceValue{}, fmt.Errorf("expiration: %w", err)
	}
	rv.expiresAt = expiresAt
	return rv, nil
}

// defaultExpiration is now plus 12 months, whole seconds, in UTC. Like
// chrono's checked_add_months, a day missing from the target month clamps
// to its last day (29 February + 12 months = 28 February), where Go's
// AddDate would roll over into March.
func defaultExpiration(now time.Time) time.Time {
	now = now.UTC().Truncate(time.Second)
	firstOfTarget := time.Date(now.Year(), now.Month()+monthsBeforeExpiration, 1, 0, 0, 0, 0, time.UTC)
	lastDay := firstOfTarget.AddDate(0, 1, -1).Day()
	return time.Date(firstOfTarget.Year(), firstOfTarget.Month(), min(now.Day(), lastDay),
		now.Hour(), now.Minute(), now.Second(), 0, time.UTC)
}
