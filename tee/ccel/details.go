package ccel

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cocoon-cc/cocoon/internal/binread"
)

// aaelTaggedEventID is "AAEL" read as a little-endian u32.
const aaelTaggedEventID = 0x4141454C

// decodeDetails decodes event data as upstream does for each type; types
// without a decoder get empty details.
func decodeDetails(t EventType, data []byte) (Details, error) {
	switch t {
	case EvPostCode, EvAction, EvCompactHash, EvOmitBootDeviceEvents, EvEFIAction:
		s, err := strictUTF8(data)
		return stringDetails(s), err
	case EvEventTag:
		return eventTagDetails(data)
	case EvPlatformConfigFlags:
		s, err := strictUTF8(data)
		if err != nil {
			s = ""
		}
		return stringDetails(withoutControls(s)), nil
	case EvIPL:
		return iplDetails(data)
	case EvEFIVariableDriverConfig, EvEFIVariableBoot, EvEFIVariableBoot2, EvEFIVariableAuthority:
		return efiVariableDetails(data)
	case EvEFIBootServicesApplication:
		return bootServicesAppDetails(data)
	case EvEFIPlatformFirmwareBlob2, EvEFIHandoffTables2:
		return descriptionDetails(data)
	}
	return Details{}, nil
}

func stringDetails(s string) Details { return Details{String: &s} }

// eventTagDetails decodes a TCG_PCClientTaggedEvent; an AAEL event also
// yields its "<domain> <operation> <content>" fields.
func eventTagDetails(data []byte) (Details, error) {
	r := binread.New(data, ErrMalformed)
	id, err := r.U32("tagged event id")
	if err != nil {
		return Details{}, err
	}
	size, err := r.U32("tagged event size")
	if err != nil {
		return Details{}, err
	}
	text, err := r.Bytes(int(size), "tagged event data")
	if err != nil {
		return Details{}, err
	}
	d := stringDetails(strings.ReplaceAll(lossyUTF8(text), "\x00", ""))
	if id != aaelTaggedEventID {
		return d, nil
	}
	s, err := strictUTF8(text)
	if err != nil {
		return Details{}, fmt.Errorf("AAEL event: %w", err)
	}
	if d.Data, err = aaelEntry(s); err != nil {
		return Details{}, err
	}
	name := "AAEL"
	d.UnicodeName = &name
	return d, nil
}

// aaelEntry splits "<domain> <operation> <content>"; content is JSON when
// it parses as JSON and a string otherwise.
func aaelEntry(s string) (map[string]any, error) {
	domain, rest, ok := strings.Cut(s, " ")
	if !ok {
		return nil, errors.New("AAEL event: no space after the domain")
	}
	operation, content, ok := strings.Cut(rest, " ")
	if !ok {
		return nil, errors.New("AAEL event: no space after the operation")
	}
	var value any = content
	if v, err := decodeJSONValue(content); err == nil {
		value = v
	}
	return map[string]any{"domain": domain, "operation": operation, "content": value}, nil
}

// decodeJSONValue parses exactly one JSON value, keeping numbers exact.
func decodeJSONValue(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after JSON value")
	}
	return v, nil
}

// gceIPLPrefix marks Google Cloud's UTF-16 EV_IPL events.
var gceIPLPrefix = []byte{0x2e, 0x00}

func iplDetails(data []byte) (Details, error) {
	if len(data) < 2 {
		return Details{}, errors.New("EV_IPL data shorter than 2 bytes")
	}
	if bytes.HasPrefix(data, gceIPLPrefix) {
		// Upstream drops as many bytes at the end (the terminator) as the
		// prefix takes at the start.
		end := len(data) - len(gceIPLPrefix)
		if end == 0 || end%2 != 0 {
			return Details{}, errors.New("EV_IPL data is not a UTF-16 string")
		}
		return stringDetails(lossyUTF16(data[len(gceIPLPrefix):end])), nil
	}
	text := data
	if i := bytes.IndexByte(data, 0); i >= 0 {
		text = data[:i]
	}
	if s, err := strictUTF8(text); err == nil {
		return stringDetails(s), nil
	}
	return stringDetails(hex.EncodeToString(data)), nil
}

const guidSize = 16

// efiVariableDetails decodes UEFI_VARIABLE_DATA.
func efiVariableDetails(data []byte) (Details, error) {
	r := binread.New(data, ErrMalformed)
	guid, err := r.Bytes(guidSize, "variable GUID")
	if err != nil {
		return Details{}, err
	}
	nameLen, err := r.U64("unicode name length")
	if err != nil {
		return Details{}, err
	}
	dataLen, err := r.U64("variable data length")
	if err != nil {
		return Details{}, err
	}
	if nameLen > uint64(r.Remaining())/2 {
		return Details{}, errors.New("variable name longer than the event")
	}
	nameBytes, _ := r.Bytes(int(nameLen)*2, "unicode name")
	name, err := strictUTF16(nameBytes)
	if err != nil {
		return Details{}, fmt.Errorf("variable name: %w", err)
	}
	value := ""
	if dataLen > 0 {
		if dataLen > uint64(r.Remaining()) {
			return Details{}, errors.New("variable data longer than the event")
		}
		v, _ := r.Bytes(int(dataLen), "variable data")
		value = base64.StdEncoding.EncodeToString(v)
	}
	varName := fmt.Sprintf("%x-%x-%x-%x-%x", guid[0:4], guid[4:6], guid[6:8], guid[8:10], guid[10:16])
	return Details{
		UnicodeName: &name, UnicodeNameLength: &nameLen,
		VariableData: &value, VariableDataLength: &dataLen,
		VariableName: &varName,
	}, nil
}

// bootServicesAppDetails decodes the device path of a UEFI_IMAGE_LOAD_EVENT:
// three u64 fields, the path length, then the path without its 4-byte end
// node.
func bootServicesAppDetails(data []byte) (Details, error) {
	const lengthOffset, pathOffset, endNodeSize = 24, 32, 4
	if len(data) < pathOffset {
		return Details{}, fmt.Errorf("image load event shorter than %d bytes", pathOffset)
	}
	pathLen := binary.LittleEndian.Uint64(data[lengthOffset:pathOffset])
	if pathLen == 0 {
		return Details{}, nil
	}
	if pathLen < endNodeSize || pathLen-endNodeSize > uint64(len(data)-pathOffset) {
		return Details{}, errors.New("device path length does not fit the event")
	}
	paths, err := devicePaths(data[pathOffset : pathOffset+int(pathLen-endNodeSize)])
	if err != nil {
		return Details{}, err
	}
	return Details{DevicePaths: paths}, nil
}

// descriptionDetails decodes the length-prefixed description of
// UEFI_PLATFORM_FIRMWARE_BLOB2 and UEFI_HANDOFF_TABLE_POINTERS2. Upstream
// reads one byte less than the length, which drops the NUL terminator.
func descriptionDetails(data []byte) (Details, error) {
	if len(data) == 0 {
		return Details{}, errors.New("description event is empty")
	}
	end := int(data[0])
	if end == 0 {
		return Details{}, errors.New("description length is zero")
	}
	if len(data) < end {
		return Details{}, fmt.Errorf("description needs %d bytes, event has %d", end, len(data))
	}
	s, err := strictUTF8(data[1:end])
	return stringDetails(s), err
}
