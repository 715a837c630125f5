package tpm_test

import (
	"context"
	"testing"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

// trustee is the Trustee the trustee command builds (app wiring, TPM
// verifier, default appraisal and resource policies), in-process, with its
// log kept so that tests can read why it refused.
type trustee struct {
	*trusteetest.Trustee
	log *trusteetest.Log
}

func newTrustee(t *testing.T) *trustee {
	t.Helper()
	tr := &trustee{log: &trusteetest.Log{}}
	tr.Trustee = trusteetest.New(t, trusteetest.WithLogger(tr.log.Logger()))
	return tr
}

// setReferenceValue registers value under name as kbs-client's
// set-sample-reference-value does.
func (tr *trustee) setReferenceValue(t *testing.T, name string, value any) {
	t.Helper()
	msg, err := kbsclient.SampleReferenceValueMessage(name, value, false)
	must(t, err)
	must(t, tr.Admin(t).RegisterReferenceValue(context.Background(), msg))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
