package imagetool

import (
	"errors"
	"fmt"
	"strings"

	"github.com/containers/ocicrypt"
	encconfig "github.com/containers/ocicrypt/config"
	keyproviderconfig "github.com/containers/ocicrypt/config/keyprovider-config"
	"github.com/containers/ocicrypt/helpers"
	kpwrap "github.com/containers/ocicrypt/keywrap/keyprovider"
)

// ErrEncryption is wrapped by encryption configuration errors.
var ErrEncryption = errors.New("encryption")

// EncryptConfig turns --encryption-key values into ocicrypt's
// configuration, as skopeo does. A provider:NAME:... key needs NAME in
// the key-provider configuration (OCICRYPT_KEYPROVIDER_CONFIG); without
// it ocicrypt would only say that no key was wrapped.
func EncryptConfig(keys []string) (*encconfig.EncryptConfig, error) {
	providers, err := configuredProviders()
	if err != nil {
		return nil, err
	}
	for _, key := range keys {
		rest, isProvider := strings.CutPrefix(key, "provider:")
		if !isProvider {
			continue
		}
		name, _, _ := strings.Cut(rest, ":")
		attrs, ok := providers[name]
		if !ok {
			return nil, fmt.Errorf("%w: key provider %q is not configured: point %s at a JSON file such as "+
				`{"key-providers":{%q:{"grpc":"127.0.0.1:50000"}}}`, ErrEncryption, name, keyproviderconfig.ENVVARNAME, name)
		}
		// ocicrypt registers providers once, at init; registering the
		// configuration just read makes the check above the truth.
		ocicrypt.RegisterKeyWrapper("provider."+name, kpwrap.NewKeyWrapper(name, attrs))
	}
	cc, err := helpers.CreateCryptoConfig(keys, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: --encryption-key: %w", ErrEncryption, err)
	}
	return cc.EncryptConfig, nil
}

func configuredProviders() (map[string]keyproviderconfig.KeyProviderAttrs, error) {
	cfg, err := keyproviderconfig.GetConfiguration()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrEncryption, keyproviderconfig.ENVVARNAME, err)
	}
	if cfg == nil {
		return nil, nil
	}
	return cfg.KeyProviderConfig, nil
}
