package ccel

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// devicePaths renders each node of a UEFI device path as upstream does:
// the nodes it knows in UEFI text form, any other as "Path(type,sub,hex)".
func devicePaths(b []byte) ([]string, error) {
	const nodeHeaderSize = 4
	var paths []string
	for {
		if len(b) < nodeHeaderSize {
			return nil, errors.New("device path node shorter than its header")
		}
		typ, sub := b[0], b[1]
		n := int(binary.LittleEndian.Uint16(b[2:4]))
		if n < nodeHeaderSize || n > len(b) {
			return nil, fmt.Errorf("device path node length %d does not fit", n)
		}
		data := b[nodeHeaderSize:n]
		s, err := formatNode(typ, sub, data)
		if err != nil {
			s = fmt.Sprintf("Path(%d,%d,%s)", typ, sub, hex.EncodeToString(data))
		}
		paths = append(paths, s)
		b = b[n:]
		if len(b) == 0 {
			return paths, nil
		}
	}
}

var errUnknownNode = errors.New("device path node not rendered")

func formatNode(typ, sub byte, d []byte) (string, error) {
	switch {
	case typ == 1 && sub == 1 && len(d) >= 2:
		return fmt.Sprintf("Pci(%d,%d)", d[0], d[1]), nil
	case typ == 2 && sub == 1 && len(d) >= 8:
		return acpiNode(d), nil
	case typ == 3:
		return messagingNode(sub, d)
	case typ == 4:
		return mediaNode(sub, d)
	case typ == 5 && sub == 1:
		return bbsNode(d)
	}
	return "", errUnknownNode
}

// acpiNode renders the compressed EISA id of _HID, e.g. "ACPI(PNP0A03,0)".
func acpiNode(d []byte) string {
	hid := binary.LittleEndian.Uint32(d[0:4])
	uid := binary.LittleEndian.Uint32(d[4:8])
	vendor := hid & 0xFFFF
	letter := func(shift uint32) byte { return byte((vendor>>shift)&0x1F) + '@' }
	return fmt.Sprintf("ACPI(%c%c%c%04X,%d)", letter(10), letter(5), letter(0), hid>>16, uid)
}

func messagingNode(sub byte, d []byte) (string, error) {
	switch {
	case sub == 0x15 && len(d) >= 16:
		return fmt.Sprintf("FibreEx(0x%x,0x%x)", d[0:8], d[8:16]), nil
	case sub == 0x05 && len(d) >= 2:
		return fmt.Sprintf("USB(%d,%d)", d[0], d[1]), nil
	case sub == 0x0B && len(d) == 33:
		mac := strings.ToUpper(strings.TrimRight(hex.EncodeToString(d[0:31]), "0"))
		return fmt.Sprintf("Mac(%s,0x%02x)", mac, d[32]), nil
	case sub == 0x0C && len(d) >= 23:
		return ipv4Node(d), nil
	}
	return "", errUnknownNode
}

// ipv4Node follows upstream, which reads each address as a little-endian
// u32 and prints it most significant byte first.
func ipv4Node(d []byte) string {
	ip := func(b []byte) string {
		return fmt.Sprintf("%d.%d.%d.%d", b[3], b[2], b[1], b[0])
	}
	protocol := map[uint16]string{6: "TCP", 17: "UDP"}[binary.LittleEndian.Uint16(d[12:14])]
	origin := map[byte]string{0: "DHCP", 1: "Static"}[d[14]]
	gateway := binary.LittleEndian.Uint32(d[15:19])
	mask := binary.LittleEndian.Uint32(d[19:23])
	extra := ""
	if gateway != 0 || mask != 0 {
		extra = fmt.Sprintf(",%d,%d", gateway, mask)
	}
	return fmt.Sprintf("IPv4(%s,%s,%s,%s%s)", ip(d[4:8]), protocol, origin, ip(d[0:4]), extra)
}

func mediaNode(sub byte, d []byte) (string, error) {
	switch {
	case sub == 0x01 && len(d) >= 38:
		return hardDriveNode(d)
	case sub == 0x03 && len(d) >= guidSize:
		return fmt.Sprintf("VenMedia(%s,%x)", uefiGUID(d[:guidSize]), d[guidSize:]), nil
	case sub == 0x04 && len(d) > 0 && len(d)%2 == 0:
		return fmt.Sprintf("File(%s)", lossyUTF16(d[:len(d)-2])), nil
	}
	return "", errUnknownNode
}

func hardDriveNode(d []byte) (string, error) {
	number := binary.LittleEndian.Uint32(d[0:4])
	start := binary.LittleEndian.Uint64(d[4:12])
	size := binary.LittleEndian.Uint64(d[12:20])
	var kind, sig string
	switch d[36] {
	case 0x01:
		kind, sig = "MBR", fmt.Sprintf("0x%08x", binary.LittleEndian.Uint32(d[20:24]))
	case 0x02:
		kind, sig = "GPT", uefiGUID(d[20:36])
	default:
		return "", errUnknownNode
	}
	extra := ""
	if number != 0 {
		extra = fmt.Sprintf(",0x%x,0x%x", start, size)
	}
	return fmt.Sprintf("HD(%d,%s,%s%s)", number, kind, sig, extra), nil
}

func bbsNode(d []byte) (string, error) {
	if len(d) < 4 {
		return "", errUnknownNode
	}
	names := map[uint16]string{1: "FLOPPY", 2: "HARD_DRIVE", 3: "CDROM", 4: "PCMCIA", 5: "USB", 6: "EMBEDDED_NETWORK", 0x80: "DEV", 0xFF: "UNKNOWN"}
	devType := binary.LittleEndian.Uint16(d[0:2])
	name, ok := names[devType]
	if !ok {
		name = strconv.Itoa(int(devType))
	}
	desc := d[4:]
	if i := strings.IndexByte(string(desc), 0); i >= 0 {
		desc = desc[:i]
	}
	s, err := strictUTF8(desc)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("BBS(%s,%s,%d)", name, s, binary.LittleEndian.Uint16(d[2:4])), nil
}

// uefiGUID renders a GUID in its mixed-endian registry form, upper case.
func uefiGUID(g []byte) string {
	return fmt.Sprintf("%08X-%04X-%04X-%X-%X",
		binary.LittleEndian.Uint32(g[0:4]), binary.LittleEndian.Uint16(g[4:6]),
		binary.LittleEndian.Uint16(g[6:8]), g[8:10], g[10:16])
}
