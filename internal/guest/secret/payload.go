package secret

import (
	"encoding/json"
	"fmt"
)

// Version is the only secret version upstream and Cocoon accept.
const Version = "0.1.0"

// Secret types, the "type" member of the secret JSON.
const (
	TypeVault    = "vault"
	TypeEnvelope = "envelope"
)

// ProviderKBS is the provider that fetches from the KBS.
const ProviderKBS = "kbs"

// Secret is the JSON payload of a sealed secret. Exactly one of Vault and
// Envelope is set.
type Secret struct {
	Version  string
	Vault    *Vault
	Envelope *Envelope
}

// Vault is a secret stored in a vault; the plaintext is the vault's value.
type Vault struct {
	// Name locates the secret; a resource URI for provider "kbs".
	Name             string
	Provider         string
	ProviderSettings map[string]any
	Annotations      map[string]any
}

// Envelope is a secret encrypted under a data key that a KMS wraps.
type Envelope struct {
	KeyID            string
	EncryptedKey     string // std base64
	EncryptedData    string // std base64
	WrapType         WrapType
	IV               string // std base64
	Provider         string
	ProviderSettings map[string]any
	Annotations      map[string]any
}

// vaultJSON and envelopeJSON are the wire forms, members in upstream's order.
type vaultJSON struct {
	Version          string         `json:"version"`
	Type             string         `json:"type"`
	Name             string         `json:"name"`
	Provider         string         `json:"provider"`
	ProviderSettings map[string]any `json:"provider_settings"`
	Annotations      map[string]any `json:"annotations"`
}

type envelopeJSON struct {
	Version          string         `json:"version"`
	Type             string         `json:"type"`
	Provider         string         `json:"provider"`
	KeyID            string         `json:"key_id"`
	EncryptedKey     string         `json:"encrypted_key"`
	EncryptedData    string         `json:"encrypted_data"`
	WrapType         WrapType       `json:"wrap_type"`
	IV               string         `json:"iv"`
	ProviderSettings map[string]any `json:"provider_settings"`
	Annotations      map[string]any `json:"annotations"`
}

// MarshalJSON writes the secret as upstream does; nil maps become {}.
func (s *Secret) MarshalJSON() ([]byte, error) {
	switch {
	case s.Vault != nil && s.Envelope == nil:
		v := s.Vault
		return json.Marshal(vaultJSON{s.Version, TypeVault, v.Name, v.Provider, orEmpty(v.ProviderSettings), orEmpty(v.Annotations)})
	case s.Envelope != nil && s.Vault == nil:
		e := s.Envelope
		return json.Marshal(envelopeJSON{s.Version, TypeEnvelope, e.Provider, e.KeyID, e.EncryptedKey, e.EncryptedData,
			e.WrapType, e.IV, orEmpty(e.ProviderSettings), orEmpty(e.Annotations)})
	}
	return nil, fmt.Errorf("%w: a secret must be exactly one of vault and envelope", ErrMalformed)
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// ParsePayload parses secret JSON as upstream does: members are matched
// exactly, every member of the type is required, unknown members are
// ignored. The version is checked when unsealing, not here.
func ParsePayload(b []byte) (*Secret, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%w: secret JSON: %w", ErrMalformed, err)
	}
	if raw == nil {
		return nil, fmt.Errorf("%w: secret JSON is null", ErrMalformed)
	}
	m := &members{raw: raw}
	s := &Secret{}
	var typ string
	m.str("version", &s.Version)
	m.str("type", &typ)
	if m.err != nil {
		return nil, m.err
	}
	switch typ {
	case TypeVault:
		v := &Vault{}
		m.str("name", &v.Name)
		m.str("provider", &v.Provider)
		m.object("provider_settings", &v.ProviderSettings)
		m.object("annotations", &v.Annotations)
		s.Vault = v
	case TypeEnvelope:
		e := &Envelope{}
		m.str("key_id", &e.KeyID)
		m.str("encrypted_key", &e.EncryptedKey)
		m.str("encrypted_data", &e.EncryptedData)
		m.str("wrap_type", (*string)(&e.WrapType))
		m.str("iv", &e.IV)
		m.str("provider", &e.Provider)
		m.object("provider_settings", &e.ProviderSettings)
		m.object("annotations", &e.Annotations)
		if m.err == nil {
			if _, err := e.WrapType.IVSize(); err != nil {
				return nil, err
			}
		}
		s.Envelope = e
	default:
		return nil, fmt.Errorf("%w: type %q, want %q or %q", ErrMalformed, typ, TypeVault, TypeEnvelope)
	}
	if m.err != nil {
		return nil, m.err
	}
	return s, nil
}

// members decodes required members one by one, keeping the first error.
type members struct {
	raw map[string]json.RawMessage
	err error
}

func (m *members) str(name string, dst *string) { m.decode(name, dst, "a string") }

func (m *members) object(name string, dst *map[string]any) { m.decode(name, dst, "an object") }

func (m *members) decode(name string, dst any, want string) {
	if m.err != nil {
		return
	}
	raw, ok := m.raw[name]
	if !ok {
		m.err = fmt.Errorf("%w: missing %q", ErrMalformed, name)
		return
	}
	// serde refuses null for a String or a Map; encoding/json would not.
	if string(raw) == "null" || json.Unmarshal(raw, dst) != nil {
		m.err = fmt.Errorf("%w: %q must be %s", ErrMalformed, name, want)
	}
}
