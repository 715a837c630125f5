package keyprovider

import (
	"context"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
)

// KBSRegistrar registers KEKs as resources through Trustee's admin API
// (POST /kbs/v0/resource/<repo>/<type>/<tag>, the raw KEK as body). Any
// non-2xx answer is an error.
type KBSRegistrar struct {
	Admin *kbsclient.Admin
}

var _ Registrar = KBSRegistrar{}

// RegisterKEK implements Registrar.
func (r KBSRegistrar) RegisterKEK(ctx context.Context, path string, kek []byte) error {
	return r.Admin.SetResource(ctx, path, kek)
}
