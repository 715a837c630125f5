package eventlog

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// ErrInvalidEvent is returned for an event the log cannot record or parse.
var ErrInvalidEvent = errors.New("eventlog: invalid event")

// Event is one AAEL entry. The CoCo convention is Domain
// "github.com/confidential-containers", an Operation such as "PullImage"
// and a JSON Content.
type Event struct {
	Domain    string
	Operation string
	Content   string
}

// NewEvent checks that the event's text can be split back into its parts:
// Domain and Operation must be non-empty and free of whitespace (as the
// AAEL specification requires) and Content must not hold a line feed (as
// upstream enforces).
func NewEvent(domain, operation, content string) (Event, error) {
	for _, f := range []struct{ name, value string }{{"domain", domain}, {"operation", operation}} {
		if f.value == "" {
			return Event{}, fmt.Errorf("%w: empty %s", ErrInvalidEvent, f.name)
		}
		if strings.ContainsFunc(f.value, unicode.IsSpace) {
			return Event{}, fmt.Errorf("%w: %s contains whitespace", ErrInvalidEvent, f.name)
		}
	}
	if strings.ContainsRune(content, '\n') {
		return Event{}, fmt.Errorf("%w: content contains a line feed", ErrInvalidEvent)
	}
	return Event{Domain: domain, Operation: operation, Content: content}, nil
}

// String is the event text that is logged and hashed.
func (e Event) String() string {
	return e.Domain + " " + e.Operation + " " + e.Content
}

// ParseEvent splits "<domain> <operation> <content>" at its first two
// spaces, as upstream does, and applies NewEvent's checks.
func ParseEvent(text string) (Event, error) {
	domain, rest, ok := strings.Cut(text, " ")
	if !ok {
		return Event{}, fmt.Errorf("%w: no space after the domain", ErrInvalidEvent)
	}
	operation, content, ok := strings.Cut(rest, " ")
	if !ok {
		return Event{}, fmt.Errorf("%w: no space after the operation", ErrInvalidEvent)
	}
	return NewEvent(domain, operation, content)
}
