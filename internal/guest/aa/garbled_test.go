package aa

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/containerd/ttrpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	pb "github.com/cocoon-cc/cocoon/api/attestation-agent"
	"github.com/cocoon-cc/cocoon/internal/guest/attester"
)

// ttRPC framing: u32 length, u32 stream id, u8 type, u8 flags.
const (
	frameRequest  = 0x1
	frameResponse = 0x2
)

func writeFrame(t *testing.T, conn net.Conn, stream uint32, typ byte, payload []byte) {
	t.Helper()
	hdr := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	hdr = binary.BigEndian.AppendUint32(hdr, stream)
	hdr = append(hdr, typ, 0)
	if _, err := conn.Write(append(hdr, payload...)); err != nil {
		t.Fatal(err)
	}
}

// readResponse reads one response frame; ok is false when the server
// closed the connection instead.
func readResponse(t *testing.T, conn net.Conn) (resp *ttrpc.Response, ok bool) {
	t.Helper()
	// A deadline only so that a server bug fails the test instead of
	// hanging it; no assertion depends on timing.
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	hdr := make([]byte, 10)
	if _, err := io.ReadFull(conn, hdr); err != nil {
		return nil, false
	}
	if hdr[8] != frameResponse {
		t.Fatalf("frame type %#x, want a response", hdr[8])
	}
	body := make([]byte, binary.BigEndian.Uint32(hdr))
	if _, err := io.ReadFull(conn, body); err != nil {
		t.Fatal(err)
	}
	resp = &ttrpc.Response{}
	if err := proto.Unmarshal(body, resp); err != nil {
		t.Fatal(err)
	}
	return resp, true
}

func request(t *testing.T, method string, payload []byte) []byte {
	t.Helper()
	b, err := proto.Marshal(&ttrpc.Request{Service: "attestation_agent.AttestationAgentService", Method: method, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRawPath checks the wire path with a hand-made frame, as an upstream
// Rust client would send it.
func TestRawPath(t *testing.T) {
	conn := dialUnix(t, serve(t, newAgent(t, Options{Primary: attester.Sample{}})))
	defer conn.Close()
	writeFrame(t, conn, 1, frameRequest, request(t, "GetTeeType", nil))
	resp, ok := readResponse(t, conn)
	if !ok || resp.GetStatus().GetCode() != int32(codes.OK) {
		t.Fatalf("response %v", resp)
	}
	var tee pb.GetTeeTypeResponse
	if err := proto.Unmarshal(resp.GetPayload(), &tee); err != nil || tee.GetTee() != "sample" {
		t.Fatalf("payload %v, %v", &tee, err)
	}
}

// TestGarbledMessages sends malformed frames: each gets an error status or
// a closed connection, and the server keeps serving.
func TestGarbledMessages(t *testing.T) {
	addr := serve(t, newAgent(t, Options{Primary: attester.Sample{}}))
	for name, tc := range map[string]struct {
		stream  uint32
		typ     byte
		payload []byte
	}{
		"garbage method payload": {1, frameRequest, request(t, "GetEvidence", []byte{0xff, 0xff, 0xff, 0xff})},
		"wrong message type":     {1, frameRequest, request(t, "GetToken", []byte{0x0a, 0x03, 0xc3, 0x28, 0x41})}, // invalid UTF-8 string
		"garbage request":        {1, frameRequest, []byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f}},
		"unknown method":         {1, frameRequest, request(t, "CheckInitData", nil)},
		"even stream id":         {2, frameRequest, request(t, "GetTeeType", nil)},
	} {
		t.Run(name, func(t *testing.T) {
			conn := dialUnix(t, addr)
			defer conn.Close()
			writeFrame(t, conn, tc.stream, tc.typ, tc.payload)
			if resp, ok := readResponse(t, conn); ok && resp.GetStatus().GetCode() == int32(codes.OK) {
				t.Fatalf("garbled request answered OK: %v", resp)
			}
		})
	}
	t.Run("oversized frame", func(t *testing.T) {
		conn := dialUnix(t, addr)
		defer conn.Close()
		// Over ttRPC's 4 MiB limit: the server skips the body and answers
		// with an error for the stream.
		writeFrame(t, conn, 1, frameRequest, make([]byte, 5<<20))
		resp, ok := readResponse(t, conn)
		if ok && resp.GetStatus().GetCode() == int32(codes.OK) {
			t.Fatalf("oversized frame answered OK: %v", resp)
		}
	})
	t.Run("noise then hang-up", func(t *testing.T) {
		conn := dialUnix(t, addr)
		if _, err := conn.Write([]byte("GET / HTTP/1.1\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		_ = conn.Close()
	})
	tee, err := client(t, addr).GetTeeType(t.Context(), &pb.GetTeeTypeRequest{})
	if err != nil || tee.GetTee() != "sample" {
		t.Fatalf("server unusable after garbled input: %v, %v", tee, err)
	}
}
