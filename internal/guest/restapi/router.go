package restapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"

	pb "github.com/cocoon-cc/cocoon/api/attestation-agent"
	"github.com/cocoon-cc/cocoon/api/confidential-data-hub/cdhapi"
)

// maxAAELBody bounds a POST /aa/aael body; upstream reads any size.
const maxAAELBody = 1 << 20

// kbsScheme prefixes the path after /cdh/resource, as upstream's KBS_PREFIX.
const kbsScheme = "kbs://"

// Options configure a Router.
type Options struct {
	// Attestation serves /aa and /info's TEE; nil turns the feature off.
	Attestation Attestation
	// Resources serves /cdh; nil turns the feature off.
	Resources Resources
	// Feature is reported by /info as given on the command line.
	Feature Feature
	// Version is reported by /info.
	Version string
	Logger  *slog.Logger
}

// Router is the api-server-rest HTTP handler.
type Router struct {
	aa      Attestation
	cdh     Resources
	feature Feature
	version string
	log     *slog.Logger
}

var _ http.Handler = (*Router)(nil)

// NewRouter returns the handler of o.
func NewRouter(o Options) *Router {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Router{aa: o.Attestation, cdh: o.Resources, feature: o.Feature, version: o.Version, log: log}
}

// ServeHTTP routes as upstream's Router::route, in its order: the
// loopback check, /info, then /aa and /cdh by the path's first segment.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !fromLoopback(r.RemoteAddr) {
		replyText(w, http.StatusForbidden, bodyForbidden)
		return
	}
	// Upstream routes the path as sent, percent-escapes and all.
	path := r.URL.EscapedPath()
	if path == "/info" {
		rt.info(w, r)
		return
	}
	root, rest, ok := splitAtSecondSlash(path)
	switch {
	case ok && root == "/aa":
		rt.attestation(w, r, rest)
	case ok && root == "/cdh":
		rt.resource(w, r, rest)
	default:
		replyText(w, http.StatusNotFound, bodyNotFound)
	}
}

// fromLoopback reports whether a RemoteAddr is a loopback address; an
// address that does not parse is not.
func fromLoopback(remote string) bool {
	ap, err := netip.ParseAddrPort(remote)
	return err == nil && ap.Addr().Unmap().IsLoopback()
}

// versionInfo is /info's answer, with upstream's member order.
type versionInfo struct {
	Version        string   `json:"version"`
	Tee            *string  `json:"tee,omitempty"`
	AdditionalTees []string `json:"additional_tees,omitempty"`
	Feature        Feature  `json:"feature"`
}

func (rt *Router) info(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		replyText(w, http.StatusMethodNotAllowed, bodyNotAllowed)
		return
	}
	v := versionInfo{Version: rt.version, Feature: rt.feature}
	if rt.aa != nil {
		tee, err := rt.aa.GetTeeType(r.Context(), &pb.GetTeeTypeRequest{})
		if err != nil {
			rt.failed(r.Context(), w, "get TEE type", err)
			return
		}
		tees, err := rt.aa.GetAdditionalTees(r.Context(), &pb.GetAdditionalTeesRequest{})
		if err != nil {
			rt.failed(r.Context(), w, "get additional TEEs", err)
			return
		}
		name := tee.GetTee()
		v.Tee, v.AdditionalTees = &name, tees.GetAdditionalTees()
	}
	b, err := json.Marshal(v)
	if err != nil {
		rt.failed(r.Context(), w, "encode /info", err)
		return
	}
	reply(w, http.StatusOK, contentTypeJSON, b)
}

// attestation serves /aa/<rest>: the exact route and method, else 404.
func (rt *Router) attestation(w http.ResponseWriter, r *http.Request, rest string) {
	if rt.aa == nil {
		replyText(w, http.StatusNotFound, bodyAttestationDisabled)
		return
	}
	params := parseQuery(r.URL.RawQuery)
	switch {
	case rest == "/token" && r.Method == http.MethodGet:
		rt.token(w, r, params)
	case rest == "/evidence" && r.Method == http.MethodGet:
		rt.evidence(w, r, params, false)
	case rest == "/additional-evidence" && r.Method == http.MethodGet:
		rt.evidence(w, r, params, true)
	case rest == "/aael" && r.Method == http.MethodPost:
		rt.aael(w, r)
	default:
		replyText(w, http.StatusNotFound, bodyNotFound)
	}
}

func (rt *Router) token(w http.ResponseWriter, r *http.Request, params map[string]string) {
	tokenType, ok := params["token_type"]
	if !ok {
		replyText(w, http.StatusBadRequest, bodyBadRequest)
		return
	}
	rt.log.DebugContext(r.Context(), "get token", "token_type", tokenType)
	resp, err := rt.aa.GetToken(r.Context(), &pb.GetTokenRequest{TokenType: tokenType})
	if err != nil {
		rt.failed(r.Context(), w, "get token", err)
		return
	}
	reply(w, http.StatusOK, contentTypeOctetStream, resp.GetToken())
}

func (rt *Router) evidence(w http.ResponseWriter, r *http.Request, params map[string]string, additional bool) {
	value, ok := params["runtime_data"]
	if !ok {
		replyText(w, http.StatusBadRequest, bodyBadRequest)
		return
	}
	var encoding *string
	if e, ok := params["encoding"]; ok {
		encoding = &e
	}
	data, err := decodeRuntimeData(value, encoding)
	if err != nil {
		replyText(w, http.StatusBadRequest, bodyBadRequest)
		return
	}
	var resp interface{ GetEvidence() []byte }
	if additional {
		rt.log.DebugContext(r.Context(), "get additional evidence")
		resp, err = rt.aa.GetAdditionalEvidence(r.Context(), &pb.GetAdditionalEvidenceRequest{RuntimeData: data})
	} else {
		rt.log.DebugContext(r.Context(), "get evidence")
		resp, err = rt.aa.GetEvidence(r.Context(), &pb.GetEvidenceRequest{RuntimeData: data})
	}
	if err != nil {
		rt.failed(r.Context(), w, "get evidence", err)
		return
	}
	reply(w, http.StatusOK, contentTypeOctetStream, resp.GetEvidence())
}

func (rt *Router) aael(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAAELBody))
	if err != nil {
		rt.failed(r.Context(), w, "read AAEL entry", &summaryError{err.Error(), err})
		return
	}
	ev, err := parseAAELEvent(body)
	if err != nil {
		// Upstream's wording, typo included.
		msg := "Illegal AAEL eventry format: " + strings.TrimPrefix(err.Error(), ErrBadRequest.Error()+": ")
		rt.failed(r.Context(), w, "parse AAEL entry", &summaryError{msg, err})
		return
	}
	rt.log.DebugContext(r.Context(), "extend AAEL entry")
	resp, err := rt.aa.ExtendRuntimeMeasurement(r.Context(), &pb.ExtendRuntimeMeasurementRequest{
		Domain: ev.Domain, Operation: ev.Operation, Content: ev.Content,
	})
	if err != nil {
		rt.failed(r.Context(), w, "extend AAEL entry", err)
		return
	}
	reply(w, http.StatusOK, contentTypeJSON, []byte(aaelMessage(resp.GetResult())))
}

// aaelMessage is upstream's JSON text for a result, space and all.
func aaelMessage(r pb.RuntimeMeasurementResult) string {
	switch r {
	case pb.RuntimeMeasurementResult_OK:
		return aaelMessageOK
	case pb.RuntimeMeasurementResult_NOT_SUPPORTED:
		return aaelMessageNotSupported
	case pb.RuntimeMeasurementResult_NOT_ENABLED:
		return aaelMessageNotEnabled
	}
	return aaelMessageUnknownResult
}

// resource serves /cdh/<rest>. Like upstream it ignores the method and the
// query: /cdh/resource/<path> asks the CDH for kbs:///<path> and the CDH
// judges the path.
func (rt *Router) resource(w http.ResponseWriter, r *http.Request, rest string) {
	if rt.cdh == nil {
		replyText(w, http.StatusNotFound, bodyResourceDisabled)
		return
	}
	api, path, ok := splitAtSecondSlash(rest)
	if !ok || api != "/resource" {
		replyText(w, http.StatusNotFound, bodyNotFound)
		return
	}
	rt.log.DebugContext(r.Context(), "get resource")
	resp, err := rt.cdh.GetResource(r.Context(), &cdhapi.GetResourceRequest{ResourcePath: kbsScheme + path})
	if err != nil {
		rt.failed(r.Context(), w, "get resource", err)
		return
	}
	reply(w, http.StatusOK, contentTypeOctetStream, resp.GetResource())
}

// failed logs the cause and answers 500 with upstream's one-line summary.
func (rt *Router) failed(ctx context.Context, w http.ResponseWriter, what string, err error) {
	rt.log.ErrorContext(ctx, "request failed", "operation", what, "error", err)
	replyText(w, http.StatusInternalServerError, summary(err))
}
