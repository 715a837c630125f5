// Package resourceuri parses the resource URIs guest components use to name
// KBS resources: kbs:///<repo>/<type>/<tag> for the resource store and
// kbs+<plugin>:///<segment>/... for another KBS plugin, optionally with a
// ?query. As upstream, a host[:port] in the URI is accepted and ignored:
// the configured KBS is always the one asked.
//
// The parser is stricter than upstream's: every segment must be non-empty,
// must not be "." or "..", and may only hold characters a KBS path segment
// can carry unescaped, so a URI never names something other than what it
// appears to name.
package resourceuri

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// ErrInvalid is wrapped by every parse error.
var ErrInvalid = errors.New("invalid resource URI")

// DefaultPlugin is the plugin a plain kbs:// URI addresses.
const DefaultPlugin = "resource"

// maxLength bounds a URI; real ones are well under 200 bytes.
const maxLength = 4096

const (
	scheme       = "kbs"
	pluginScheme = "kbs+"
)

var (
	// segmentChars are the characters of a path segment: RFC 3986
	// unreserved characters plus a few sub-delimiters, nothing that needs
	// percent-encoding.
	segmentChars = regexp.MustCompile(`^[A-Za-z0-9._~=:@+-]+$`)
	// resourceSegment is a repo, type or tag as Trustee accepts it.
	resourceSegment = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9_.-]*$`)
	pluginName      = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	// reservedPlugins are KBS routes that are not plugins.
	reservedPlugins = map[string]bool{
		"auth": true, "attest": true, "attestation-policy": true,
		"resource-policy": true, "reference-value": true,
	}
)

// URI is a parsed resource URI.
type URI struct {
	// Host is the host[:port] written in the URI; it is ignored when
	// fetching.
	Host string
	// Plugin is the KBS plugin, DefaultPlugin for kbs://.
	Plugin string
	// Path holds the segments after the authority; for the resource
	// plugin exactly repo, type and tag.
	Path []string
	// Query is the raw query without "?", or "".
	Query string
}

// Parse parses and validates a resource URI.
func Parse(s string) (URI, error) {
	if len(s) > maxLength {
		return URI{}, fmt.Errorf("%w: longer than %d bytes", ErrInvalid, maxLength)
	}
	rest, plugin, err := cutScheme(s)
	if err != nil {
		return URI{}, err
	}
	authority, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return URI{}, fmt.Errorf("%w: %q has no path; want kbs:///<repo>/<type>/<tag>", ErrInvalid, truncate(s))
	}
	if err := checkAuthority(authority); err != nil {
		return URI{}, fmt.Errorf("%w: %q: %w", ErrInvalid, truncate(s), err)
	}
	if strings.Contains(rest, "#") {
		return URI{}, fmt.Errorf("%w: %q: fragments are not allowed", ErrInvalid, truncate(s))
	}
	path, query, _ := strings.Cut(rest, "?")
	if err := checkQuery(query); err != nil {
		return URI{}, fmt.Errorf("%w: %q: %w", ErrInvalid, truncate(s), err)
	}
	segments := strings.Split(path, "/")
	if err := checkSegments(plugin, segments); err != nil {
		return URI{}, fmt.Errorf("%w: %q: %w", ErrInvalid, truncate(s), err)
	}
	return URI{Host: authority, Plugin: plugin, Path: segments, Query: query}, nil
}

// IsResourceURI reports whether s claims to be a resource URI, that is,
// starts with "kbs:" or "kbs+". It says nothing about its validity.
func IsResourceURI(s string) bool {
	head := strings.ToLower(s[:min(len(s), len(pluginScheme))])
	return head == scheme+":" || head == pluginScheme
}

// cutScheme splits "kbs[+plugin]://" off s.
func cutScheme(s string) (rest, plugin string, err error) {
	schemePart, rest, ok := strings.Cut(s, "://")
	if !ok {
		return "", "", fmt.Errorf("%w: %q: want a kbs:// or kbs+<plugin>:// URI", ErrInvalid, truncate(s))
	}
	// Schemes are case-insensitive (RFC 3986); upstream lowercases them.
	schemePart = strings.ToLower(schemePart)
	if schemePart == scheme {
		return rest, DefaultPlugin, nil
	}
	name, ok := strings.CutPrefix(schemePart, pluginScheme)
	if !ok {
		return "", "", fmt.Errorf("%w: unknown scheme %q: want kbs or kbs+<plugin>", ErrInvalid, truncate(schemePart))
	}
	if name == "" {
		return "", "", fmt.Errorf("%w: scheme kbs+ needs a plugin name, e.g. kbs+pkcs11", ErrInvalid)
	}
	if !pluginName.MatchString(name) || reservedPlugins[name] {
		return "", "", fmt.Errorf("%w: %q is not a plugin name", ErrInvalid, truncate(name))
	}
	return rest, name, nil
}

// checkAuthority accepts "", "host" and "host:port" without user info.
func checkAuthority(a string) error {
	if a == "" {
		return nil
	}
	if strings.Contains(a, "@") {
		return errors.New("user info is not allowed")
	}
	u, err := url.Parse("http://" + a)
	if err != nil || u.Host != a || u.Path != "" {
		return fmt.Errorf("bad host %q", truncate(a))
	}
	if port := u.Port(); port == "" && strings.HasSuffix(a, ":") {
		return fmt.Errorf("bad host %q: empty port", truncate(a))
	}
	return nil
}

func checkQuery(q string) error {
	if strings.ContainsFunc(q, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		return errors.New("query: use percent-encoding for spaces, control and non-ASCII characters")
	}
	if _, err := url.ParseQuery(q); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	return nil
}

func checkSegments(plugin string, segments []string) error {
	if plugin == DefaultPlugin && len(segments) != 3 {
		return fmt.Errorf("want /<repo>/<type>/<tag>, got %d path segments", len(segments))
	}
	for _, seg := range segments {
		switch {
		case seg == "":
			return errors.New("empty path segment")
		case seg == "." || seg == "..":
			return fmt.Errorf("path segment %q is not allowed", seg)
		case plugin == DefaultPlugin && !resourceSegment.MatchString(seg):
			return fmt.Errorf("segment %q: use only A-Z a-z 0-9 _ - . and do not start with a dot", truncate(seg))
		case !segmentChars.MatchString(seg):
			return fmt.Errorf("segment %q: use only A-Z a-z 0-9 . _ ~ = : @ + -", truncate(seg))
		}
	}
	return nil
}

// String is the normalised URI: upstream's serialisation, which writes
// kbs+resource:// as kbs://.
func (u URI) String() string {
	var b strings.Builder
	b.WriteString(scheme)
	if u.Plugin != DefaultPlugin {
		b.WriteString("+" + u.Plugin)
	}
	b.WriteString("://" + u.Host + "/" + strings.Join(u.Path, "/"))
	if u.Query != "" {
		b.WriteString("?" + u.Query)
	}
	return b.String()
}

// KBSPath is the path client/kbs fetches: "repo/type/tag" for the
// resource store, "plugin/<name>/<segments>" for another plugin, followed
// by "?query" when there is one.
func (u URI) KBSPath() string {
	p := strings.Join(u.Path, "/")
	if u.Plugin != DefaultPlugin {
		p = "plugin/" + u.Plugin + "/" + p
	}
	if u.Query != "" {
		p += "?" + u.Query
	}
	return p
}

// truncate bounds input echoed in an error; %q then escapes it.
func truncate(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
