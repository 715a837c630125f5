package nvidia

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cocoon-cc/cocoon/internal/binread"
)

// Sizes and values of the SPDM 1.1 GET_MEASUREMENTS exchange NVIDIA GPUs
// report (DMTF DSP0274 1.1.1).
const (
	// SPDMVersion is the only SPDM version upstream accepts (1.1).
	SPDMVersion = 0x11
	// NonceSize is the size of the SPDM nonce, the field bound to the
	// expected report data.
	NonceSize = 32
	// HopperSignatureSize is the raw ECDSA P-384 signature (r‖s) closing
	// a Hopper report.
	HopperSignatureSize = 96
	// RequestSize is the size of the GET_MEASUREMENTS request that opens
	// the report.
	RequestSize = 37
	// dmtfMeasurementSpecification is the only measurement layout upstream
	// accepts (bit 0, DMTF).
	dmtfMeasurementSpecification = 1
)

// ErrInvalidReport means the SPDM report does not parse.
var ErrInvalidReport = errors.New("nvidia: invalid SPDM report")

// Request is the GET_MEASUREMENTS request.
type Request struct {
	Version, Code, Param1, Param2 uint8
	Nonce                         [NonceSize]byte
	SlotIDParam                   uint8
}

// Response is the MEASUREMENTS response.
type Response struct {
	Version, Code, Param1, Param2 uint8
	NumberOfBlocks                int
	MeasurementRecordLength       int
	Blocks                        []MeasurementBlock
	Nonce                         [NonceSize]byte
	OpaqueDataLength              int
	// Opaque is NVIDIA's opaque data, decoded into upstream's claim names.
	Opaque map[string]any
	// Signature is raw r‖s.
	Signature []byte
}

// MeasurementBlock is one DMTF measurement block.
type MeasurementBlock struct {
	Index         uint8
	Specification uint8
	// ValueType is DMTFSpecMeasurementValueType.
	ValueType uint8
	Value     []byte
}

// Report is a parsed NVIDIA attestation report: request then response.
type Report struct {
	Request  Request
	Response Response
	// Signed is the part of the raw report the signature covers: the
	// request and the response up to its signature.
	Signed []byte
}

// ParseReport parses an SPDM report whose signature is sigSize bytes
// (HopperSignatureSize for Hopper). Bytes after the signature are ignored,
// as upstream does; nothing of them is trusted.
func ParseReport(b []byte, sigSize int) (*Report, error) {
	if len(b) < RequestSize {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte request", ErrInvalidReport, len(b), RequestSize)
	}
	req, err := parseRequest(b[:RequestSize])
	if err != nil {
		return nil, err
	}
	resp, respSize, err := parseResponse(b[RequestSize:], sigSize)
	if err != nil {
		return nil, err
	}
	signedEnd := RequestSize + respSize - sigSize
	return &Report{Request: req, Response: resp, Signed: b[:signedEnd:signedEnd]}, nil
}

func parseRequest(b []byte) (Request, error) {
	if b[0] != SPDMVersion {
		return Request{}, fmt.Errorf("%w: request SPDM version %#02x not supported", ErrInvalidReport, b[0])
	}
	r := Request{Version: b[0], Code: b[1], Param1: b[2], Param2: b[3], SlotIDParam: b[36]}
	copy(r.Nonce[:], b[4:36])
	return r, nil
}

// parseResponse returns the response and its size, signature included.
func parseResponse(b []byte, sigSize int) (Response, int, error) {
	c := binread.New(b, ErrInvalidReport)
	head, err := c.Bytes(8, "response header")
	if err != nil {
		return Response{}, 0, err
	}
	if head[0] != SPDMVersion {
		return Response{}, 0, fmt.Errorf("%w: response SPDM version %#02x not supported", ErrInvalidReport, head[0])
	}
	r := Response{
		Version: head[0], Code: head[1], Param1: head[2], Param2: head[3],
		NumberOfBlocks:          int(head[4]),
		MeasurementRecordLength: int(head[5]) | int(head[6])<<8 | int(head[7])<<16,
	}
	if r.MeasurementRecordLength > 0 {
		record, err := c.Bytes(r.MeasurementRecordLength, "measurement record")
		if err != nil {
			return Response{}, 0, err
		}
		blocks, err := parseMeasurementRecord(r.NumberOfBlocks, record)
		if err != nil {
			return Response{}, 0, err
		}
		r.Blocks = blocks
	}
	if err := c.Copy(r.Nonce[:], "response nonce"); err != nil {
		return Response{}, 0, err
	}
	opaqueLen, err := c.U16("opaque data length")
	if err != nil {
		return Response{}, 0, err
	}
	r.OpaqueDataLength = int(opaqueLen)
	r.Opaque = map[string]any{}
	if r.OpaqueDataLength > 0 {
		opaque, err := c.Bytes(r.OpaqueDataLength, "opaque data")
		if err != nil {
			return Response{}, 0, err
		}
		if r.Opaque, err = parseOpaqueData(opaque); err != nil {
			return Response{}, 0, err
		}
	}
	if sigSize <= 0 {
		return Response{}, 0, fmt.Errorf("%w: signature size %d", ErrInvalidReport, sigSize)
	}
	if r.Signature, err = c.Bytes(sigSize, "signature"); err != nil {
		return Response{}, 0, err
	}
	return r, c.Offset(), nil
}

// parseMeasurementRecord decodes the first n blocks of the record; bytes
// after them are ignored, as upstream.
func parseMeasurementRecord(n int, b []byte) ([]MeasurementBlock, error) {
	blocks := make([]MeasurementBlock, 0, n)
	c := binread.New(b, ErrInvalidReport)
	for i := range n {
		head, err := c.Bytes(4, "block header")
		if err != nil {
			return nil, fmt.Errorf("measurement block %d: %w", i, err)
		}
		if head[1] != dmtfMeasurementSpecification {
			return nil, fmt.Errorf("%w: measurement block %d is not in the DMTF layout", ErrInvalidReport, i)
		}
		measurement, err := c.Bytes(int(binary.LittleEndian.Uint16(head[2:])), "measurement")
		if err != nil {
			return nil, fmt.Errorf("measurement block %d: %w", i, err)
		}
		block, err := parseDMTFMeasurement(measurement)
		if err != nil {
			return nil, fmt.Errorf("measurement block %d: %w", i, err)
		}
		block.Index, block.Specification = head[0], head[1]
		blocks = append(blocks, block)
	}
	return blocks, nil
}

// parseDMTFMeasurement decodes type (1), size (2) and value; bytes after
// the value are ignored, as upstream.
func parseDMTFMeasurement(b []byte) (MeasurementBlock, error) {
	if len(b) < 3 {
		return MeasurementBlock{}, fmt.Errorf("%w: DMTF measurement shorter than 3 bytes", ErrInvalidReport)
	}
	size := int(binary.LittleEndian.Uint16(b[1:3]))
	if len(b)-3 < size {
		return MeasurementBlock{}, fmt.Errorf("%w: DMTF measurement value overflows its block", ErrInvalidReport)
	}
	return MeasurementBlock{ValueType: b[0], Value: b[3 : 3+size : 3+size]}, nil
}
