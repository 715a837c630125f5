package kbs

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// ErrInvalidPath is returned for resource and plugin paths the KBS could
// not route, before any request is sent.
var ErrInvalidPath = errors.New("kbs: invalid path")

// apiPrefix starts every KBS route.
const apiPrefix = "/kbs/v0/"

// resourceSegment is one part of repo/type/tag as Trustee's ResourceDesc
// accepts it: no leading dot, so "." and ".." cannot appear.
var resourceSegment = regexp.MustCompile(`^[a-zA-Z0-9_\-]+[a-zA-Z0-9_\-.]*$`)

// pluginName is a plugin's route segment.
var pluginName = regexp.MustCompile(`^[a-zA-Z0-9_\-]+$`)

// reservedRoutes are first segments the KBS handles itself, never plugins.
var reservedRoutes = map[string]bool{
	"auth": true, "attest": true, "attestation-policy": true,
	"resource-policy": true, "reference-value": true,
}

// pluginPrefix marks a GetResource path addressed to a plugin other than
// the resource store.
const pluginPrefix = "plugin/"

// resourceRoute validates "repo/type/tag" and returns its route segments.
func resourceRoute(path string) ([]string, error) {
	parts := strings.Split(path, "/")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: %q: want repo/type/tag", ErrInvalidPath, path)
	}
	for _, p := range parts {
		if !resourceSegment.MatchString(p) {
			return nil, fmt.Errorf("%w: %q: segment %q has characters outside [A-Za-z0-9_-.] or starts with a dot", ErrInvalidPath, path, p)
		}
	}
	return append([]string{"resource"}, parts...), nil
}

// fetchRoute validates a GetResource path: "repo/type/tag" for the
// resource store or "plugin/<name>/<segment>..." for another plugin,
// either optionally followed by "?query". It returns the route segments
// and the raw query.
func fetchRoute(path string) ([]string, string, error) {
	path, query, _ := strings.Cut(path, "?")
	if strings.ContainsFunc(query, notQueryChar) {
		return nil, "", fmt.Errorf("%w: query %q: use percent-encoding for spaces, '#', control and non-ASCII characters", ErrInvalidPath, query)
	}
	if _, err := url.ParseQuery(query); err != nil {
		return nil, "", fmt.Errorf("%w: query %q: %w", ErrInvalidPath, query, err)
	}
	rest, isPlugin := strings.CutPrefix(path, pluginPrefix)
	if !isPlugin {
		route, err := resourceRoute(path)
		return route, query, err
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 2 {
		return nil, "", fmt.Errorf("%w: %q: want plugin/<name>/<path>", ErrInvalidPath, path)
	}
	if !pluginName.MatchString(parts[0]) || reservedRoutes[parts[0]] {
		return nil, "", fmt.Errorf("%w: %q: %q is not a plugin name", ErrInvalidPath, path, parts[0])
	}
	for _, p := range parts[1:] {
		if p == "" || p == "." || p == ".." || strings.ContainsFunc(p, isControl) {
			return nil, "", fmt.Errorf("%w: %q: bad segment %q", ErrInvalidPath, path, p)
		}
	}
	return parts, query, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// notQueryChar reports characters a raw query cannot carry as they are:
// anything but printable ASCII, and '#', which would start a fragment.
func notQueryChar(r rune) bool { return r <= ' ' || r >= 0x7f || r == '#' }

// apiRoot parses a KBS base URL and returns base + /kbs/v0/, the root
// routeURL appends to. It refuses a base whose path ends in an escaped
// slash: its escaped and plain forms disagree once the slash is trimmed,
// and the URL could not be built by appending to the root.
func apiRoot(baseURL string) (string, error) {
	base, err := parseBaseURL(baseURL)
	if err != nil {
		return "", err
	}
	root := *base
	root.Path = strings.TrimRight(base.Path, "/") + apiPrefix
	root.RawPath = strings.TrimRight(base.EscapedPath(), "/") + apiPrefix
	if root.EscapedPath() != root.RawPath {
		return "", fmt.Errorf("kbs: base URL %q: path ends in an escaped slash", baseURL)
	}
	return root.String(), nil
}

// routeURL builds root + <segments> + ?query, escaping each segment. Built
// by appending rather than through url.URL, it costs one allocation.
func routeURL(root string, segments []string, query string) string {
	size := len(root) + 1 + len(query)
	for _, s := range segments {
		size += len(s) + 1
	}
	var b strings.Builder
	b.Grow(size) // exact unless a segment needs escaping
	b.WriteString(root)
	for i, s := range segments {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(url.PathEscape(s))
	}
	if query != "" {
		b.WriteByte('?')
		b.WriteString(query)
	}
	return b.String()
}
