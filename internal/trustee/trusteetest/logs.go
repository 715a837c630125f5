package trusteetest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/cocoon-cc/cocoon/internal/trustee/app"
)

// ListeningURL reads a server's JSON log until the first app.ListeningMessage
// line and returns its URL, the way to find a server started on port 0.
// It then drains the rest of logs in the background, so the server never
// blocks writing its log. The log ending first is an error.
func ListeningURL(logs io.Reader) (string, error) {
	lines := bufio.NewScanner(logs)
	for lines.Scan() {
		var entry struct{ Msg, URL string }
		if json.Unmarshal(lines.Bytes(), &entry) == nil && entry.Msg == app.ListeningMessage {
			go func() { _, _ = io.Copy(io.Discard, logs) }()
			return entry.URL, nil
		}
	}
	err := lines.Err()
	if err == nil {
		err = errors.New("log ended")
	}
	return "", fmt.Errorf("trusteetest: no %q line: %w", app.ListeningMessage, err)
}
