package kbstest

import (
	"encoding/json"
	"net/http"
	"regexp"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// echoPlugin is an attestation-gated plugin that answers, encrypted, the
// path and query it was called with.
const echoPlugin = "echo"

var resourcePath = regexp.MustCompile(`^[a-zA-Z0-9_\-]+[a-zA-Z0-9_\-.]*/[a-zA-Z0-9_\-]+[a-zA-Z0-9_\-.]*/[a-zA-Z0-9_\-]+[a-zA-Z0-9_\-.]*$`)

func (s *Server) handleResource(w http.ResponseWriter, r *http.Request, path string, body []byte) {
	if !resourcePath.MatchString(path) {
		writeError(w, kbs.ErrInvalidRequestPath, "invalid resource path "+path)
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.release(w, r, func() ([]byte, bool) { return s.Resource(path) })
	case http.MethodPost:
		s.admin(w, r, func() { s.SetResource(path, body) })
	case http.MethodDelete:
		s.admin(w, r, func() {
			s.mu.Lock()
			delete(s.resources, path)
			s.mu.Unlock()
		})
	default:
		writeError(w, kbs.ErrInvalidRequestPath, "method not allowed")
	}
}

func (s *Server) handleEcho(w http.ResponseWriter, r *http.Request, path string) {
	s.release(w, r, func() ([]byte, bool) {
		b, err := json.Marshal(map[string]string{"path": path, "query": r.URL.RawQuery})
		return b, err == nil
	})
}

// release runs Trustee's gate for attestation-protected plugins: token,
// resource policy, plugin, then JWE to the token's TEE key.
func (s *Server) release(w http.ResponseWriter, r *http.Request, lookup func() ([]byte, bool)) {
	claims, variant, err := s.attestationToken(r)
	if err != nil {
		writeError(w, variant, err.Error())
		return
	}
	s.mu.Lock()
	deny := s.denyResources
	s.mu.Unlock()
	if deny {
		writeError(w, kbs.ErrPolicyDeny, "Access denied by policy")
		return
	}
	data, ok := lookup()
	if !ok {
		// Trustee reports a missing resource as a plugin error, with 401.
		writeError(w, kbs.ErrPluginInternal, "resource not found")
		return
	}
	key, err := teePubKey(claims)
	if err != nil {
		writeError(w, kbs.ErrJwe, err.Error())
		return
	}
	jwe, err := kbs.Encrypt(key, data)
	if err != nil {
		writeError(w, kbs.ErrJwe, err.Error())
		return
	}
	writeJSON(w, jwe)
}
