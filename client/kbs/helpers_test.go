package kbs_test

import (
	"context"
	"testing"
	"time"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

// newTestClient returns a sample-attester client of tr with a retry delay
// short enough for tests that exercise retries.
func newTestClient(t testing.TB, tr *trusteetest.Trustee, opts ...kbsclient.Option) *kbsclient.Client {
	t.Helper()
	c := tr.Client(t, opts...)
	kbsclient.SetRetryDelay(c, time.Millisecond)
	return c
}

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}
