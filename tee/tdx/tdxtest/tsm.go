package tdxtest

import (
	"fmt"
	"syscall"

	"github.com/google/go-configfs-tsm/configfs/configfsi"
	"github.com/google/go-configfs-tsm/configfs/faketsm"

	"github.com/cocoon-cc/cocoon/tee/tdx"
)

// TSM is a configfs-tsm whose "tdx_guest" provider returns quotes of the
// platform for a TD with Body: the report data written to inblob replaces
// Body.ReportData, as the TDX module does.
func (p *Platform) TSM(version uint16, body tdx.Body) configfsi.Client {
	read := func(e *faketsm.ReportEntry, attr string) ([]byte, error) {
		switch attr {
		case "provider":
			return []byte("tdx_guest\n"), nil
		case "outblob":
			inblob := e.InAttrs["inblob"].Value
			if len(inblob) != 64 {
				return nil, syscall.EINVAL
			}
			b := body
			copy(b.ReportData[:], inblob)
			return p.Quote(version, b)
		}
		return nil, syscall.ENOENT
	}
	check := func(_ *faketsm.ReportEntry, attr string, contents []byte) error {
		if attr != "inblob" && attr != "privlevel" {
			return fmt.Errorf("unwritable attribute %q", attr)
		}
		if attr == "inblob" && len(contents) > 64 {
			return syscall.EINVAL
		}
		return nil
	}
	report := faketsm.Report611(0)
	report.ReadAttr, report.CheckInAttr = read, check
	return &faketsm.Client{Subsystems: map[string]configfsi.Client{"report": report}}
}
