package ccel

import (
	"encoding/base64"
	"encoding/hex"
)

// Claims renders the events as Trustee's "uefi_event_logs" claim: for
// each event its index, type_name, digests [{alg, digest (hex)}], event
// (standard base64 of the data), digest_matches_event and details.
func (l *EventLog) Claims() []any {
	out := make([]any, 0, len(l.Events))
	for _, ev := range l.Events {
		digests := make([]any, 0, len(ev.Digests))
		for _, d := range ev.Digests {
			digests = append(digests, map[string]any{"alg": d.Alg.String(), "digest": hex.EncodeToString(d.Value)})
		}
		out = append(out, map[string]any{
			"index":                ev.Index,
			"type_name":            ev.Type.String(),
			"digests":              digests,
			"event":                base64.StdEncoding.EncodeToString(ev.Data),
			"digest_matches_event": ev.DigestMatchesEvent,
			"details":              ev.Details.claims(),
		})
	}
	return out
}

func (d Details) claims() map[string]any {
	m := map[string]any{}
	put := func(key string, present bool, v any) {
		if present {
			m[key] = v
		}
	}
	put("string", d.String != nil, deref(d.String))
	put("unicode_name", d.UnicodeName != nil, deref(d.UnicodeName))
	put("unicode_name_length", d.UnicodeNameLength != nil, deref(d.UnicodeNameLength))
	put("variable_data", d.VariableData != nil, deref(d.VariableData))
	put("variable_data_length", d.VariableDataLength != nil, deref(d.VariableDataLength))
	put("variable_name", d.VariableName != nil, deref(d.VariableName))
	put("device_paths", d.DevicePaths != nil, toAnySlice(d.DevicePaths))
	put("data", d.Data != nil, d.Data)
	return m
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func toAnySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
