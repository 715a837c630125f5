package cdh

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/containerd/ttrpc"

	aaapi "github.com/cocoon-cc/cocoon/api/attestation-agent"
)

// The AAEL event of a pull, upstream's.
const (
	measurementDomain    = "github.com/confidential-containers"
	measurementOperation = "PullImage"
	measurementTimeout   = 10 * time.Second
)

// aaMeasurer records pulled images in the attestation-agent's event log.
type aaMeasurer struct {
	socket string // "" records nothing
	log    *slog.Logger
}

// pulled extends the AAEL with {"image":..., "digest":...}. As upstream,
// a missing AA socket or an AA without event log only warns: the pull
// itself has succeeded.
func (m *aaMeasurer) pulled(ctx context.Context, imageURL, digest string) {
	if m == nil || m.socket == "" {
		return
	}
	path, err := SocketPath(m.socket)
	if err != nil {
		m.log.WarnContext(ctx, "image pull not measured", "error", err)
		return
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		m.log.WarnContext(ctx, "image pull not measured: no attestation-agent socket", "socket", m.socket)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, measurementTimeout)
	defer cancel()
	result, err := extendAAEL(ctx, path, pullEventContent(imageURL, digest))
	switch {
	case err != nil:
		m.log.WarnContext(ctx, "image pull not measured", "error", err)
	case result != aaapi.RuntimeMeasurementResult_OK:
		m.log.WarnContext(ctx, "image pull not measured", "attestation_agent", result.String())
	default:
		m.log.InfoContext(ctx, "image pull measured", "image", imageURL, "digest", digest)
	}
}

// pullEventContent is upstream's content, byte for byte: a space after
// the comma, not canonical JSON.
func pullEventContent(imageURL, digest string) string {
	img, _ := json.Marshal(imageURL)
	dig, _ := json.Marshal(digest)
	return `{"image":` + string(img) + `, "digest":` + string(dig) + `}`
}

func extendAAEL(ctx context.Context, socketPath, content string) (aaapi.RuntimeMeasurementResult, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", socketPath)
	if err != nil {
		return 0, err
	}
	client := ttrpc.NewClient(conn)
	defer func() { _ = client.Close() }() // the reply has been read; nothing is pending
	resp, err := aaapi.NewTTRPCAttestationAgentServiceClient(client).ExtendRuntimeMeasurement(ctx, &aaapi.ExtendRuntimeMeasurementRequest{
		Domain:    measurementDomain,
		Operation: measurementOperation,
		Content:   content,
	})
	if err != nil {
		return 0, err
	}
	return resp.GetResult(), nil
}
