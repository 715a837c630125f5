package ccel

import (
	"crypto/subtle"
	"fmt"
)

// Replay computes the value of measurement register index from the log:
// starting from zeros, each digest of alg extended into the register in
// log order (new = H(old || digest)).
func (l *EventLog) Replay(index uint32, alg Algorithm) ([]byte, error) {
	h, err := alg.newHash()
	if err != nil {
		return nil, err
	}
	value := make([]byte, h.Size())
	for _, ev := range l.Events {
		if ev.Index != index {
			continue
		}
		for _, d := range ev.Digests {
			if d.Alg != alg {
				continue
			}
			h.Reset()
			h.Write(value)
			h.Write(d.Value)
			value = h.Sum(value[:0])
		}
	}
	return value, nil
}

// Reference is a measurement register value reported by the TEE.
type Reference struct {
	// Index is the CC measurement register index (1 = RTMR0 on TDX).
	Index uint32
	Alg   Algorithm
	Value []byte
}

// Verify replays every referenced register and fails, wrapping
// ErrReplayMismatch, on the first that differs from its reference.
func (l *EventLog) Verify(refs []Reference) error {
	for _, ref := range refs {
		got, err := l.Replay(ref.Index, ref.Alg)
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare(got, ref.Value) != 1 {
			return fmt.Errorf("%w: register index %d: replayed %x, reported %x", ErrReplayMismatch, ref.Index, got, ref.Value)
		}
	}
	return nil
}
