package image

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/types"
)

// Credentials is a containers-auth.json (or .dockerconfigjson):
// {"auths":{"<registry>[/<namespace>...]":{"auth":"<base64 user:pass>"}}}.
type Credentials struct {
	auths map[string]types.DockerAuthConfig
}

// ParseCredentials parses an auth.json. Keys are normalised as image-rs
// does: http(s):// and a trailing path of docker.io's legacy URL
// dropped, docker.io's aliases folded.
func ParseCredentials(b []byte) (*Credentials, error) {
	var file struct {
		Auths map[string]struct {
			Auth string `json:"auth"`
		} `json:"auths"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		return nil, fmt.Errorf("registry credentials: %w", err)
	}
	c := &Credentials{auths: map[string]types.DockerAuthConfig{}}
	for key, entry := range file.Auths {
		raw, err := base64.StdEncoding.DecodeString(entry.Auth)
		if err != nil {
			return nil, fmt.Errorf("registry credentials for %q: auth is not base64", key)
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok || user == "" {
			return nil, fmt.Errorf("registry credentials for %q: auth is not user:password", key)
		}
		c.auths[normaliseAuthKey(key)] = types.DockerAuthConfig{Username: user, Password: pass}
	}
	return c, nil
}

func normaliseAuthKey(key string) string {
	key = strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://")
	if host, path, ok := strings.Cut(key, "/"); ok && (host == "index.docker.io" || host == "registry-1.docker.io") && strings.HasPrefix(path, "v1") {
		key = host
	}
	key = strings.TrimSuffix(key, "/")
	switch key {
	case "index.docker.io", "registry-1.docker.io":
		return "docker.io"
	}
	if rest, ok := strings.CutPrefix(key, "index.docker.io/"); ok {
		return "docker.io/" + rest
	}
	return key
}

// For returns the credentials for named: the longest matching
// registry/namespace key, then the registry; anonymous (empty) when none
// matches. c may be nil.
func (c *Credentials) For(named reference.Named) types.DockerAuthConfig {
	if c == nil {
		return types.DockerAuthConfig{}
	}
	for name := named.Name(); ; {
		if a, ok := c.auths[name]; ok {
			return a
		}
		i := strings.LastIndex(name, "/")
		if i < 0 {
			return types.DockerAuthConfig{}
		}
		name = name[:i]
	}
}
