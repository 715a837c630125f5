package restapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkResourceThroughSockets is one GET /cdh/resource over loopback
// HTTP, ttRPC to a real CDH and a cached-token KBS fetch from Trustee: the
// path a workload's secret takes.
func BenchmarkResourceThroughSockets(b *testing.B) {
	g := newGuest(b, guestOptions{feature: FeatureResource})
	g.trustee.SetResource(b, "default/key/1", []byte("secret"))
	client := &http.Client{}
	for b.Loop() {
		resp, err := client.Get(g.url + "/cdh/resource/default/key/1")
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
	}
}

// BenchmarkRouteInProcess is the router's own cost: a request parsed,
// routed and answered by the in-process services.
func BenchmarkRouteInProcess(b *testing.B) {
	rt := inProcessRouter(b)
	req := httptest.NewRequest(http.MethodGet, "/aa/evidence?runtime_data=eHh4eA&encoding=base64", nil)
	req.RemoteAddr = "127.0.0.1:1"
	for b.Loop() {
		rec := httptest.NewRecorder()
		rt.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}
