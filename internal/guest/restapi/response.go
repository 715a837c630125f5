package restapi

import "net/http"

// Upstream's bodies.
const (
	bodyForbidden            = "Forbidden"
	bodyNotFound             = "URL NOT FOUND"
	bodyBadRequest           = "BAD REQUEST"
	bodyNotAllowed           = "Method Not Allowed"
	bodyAttestationDisabled  = "Attestation Feature Not Enabled"
	bodyResourceDisabled     = "Resource Feature Not Enabled"
	contentTypeJSON          = "application/json"
	contentTypeOctetStream   = "application/octet-stream"
	aaelMessageOK            = `{"success":"true"}`
	aaelMessageNotSupported  = `{"success":"false","message": "The platform does not support runtime measurement"}`
	aaelMessageNotEnabled    = `{"success":"false","message": "Attestation Agent does not enable eventlog recording"}`
	aaelMessageUnknownResult = `{"success":"false","message": "Unknown runtime measurement result"}`
)

// reply writes status and body. Like upstream, answers other than 200
// have no Content-Type; a nil header value stops net/http sniffing one.
func reply(w http.ResponseWriter, status int, contentType string, body []byte) {
	if contentType == "" {
		w.Header()["Content-Type"] = nil
	} else {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func replyText(w http.ResponseWriter, status int, body string) {
	reply(w, status, "", []byte(body))
}
