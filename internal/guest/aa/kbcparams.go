package aa

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Where upstream finds the KBS when no config file is given.
const (
	KBCParamsEnv     = "AA_KBC_PARAMS"
	kbcParamsCmdline = "agent.aa_kbc_params="
	// ccKBC is the only KBC whose parameters name a KBS.
	ccKBC = "cc_kbc"
)

// errNoKBCParams means neither the environment nor the kernel command
// line carries KBC parameters.
var errNoKBCParams = errors.New("no aa_kbc_params in the environment or on the kernel command line")

// ConfigFromKernelParams is the configuration used without a config file:
// defaults, plus [token_configs.kbs] from AA_KBC_PARAMS or, failing that,
// agent.aa_kbc_params= on the kernel command line at cmdlinePath, when
// they read "cc_kbc::<url>". Anything else leaves the KBS unconfigured and
// is reported through the returned note, as upstream only logs it.
func ConfigFromKernelParams(lookupEnv func(string) (string, bool), cmdlinePath string) (*Config, string) {
	cfg := DefaultConfig()
	params, err := kbcParams(lookupEnv, cmdlinePath)
	if err != nil {
		return cfg, fmt.Sprintf("KBS not configured: %v", err)
	}
	kbc, uri, ok := strings.Cut(params, "::")
	if !ok || strings.Contains(uri, "::") {
		return cfg, fmt.Sprintf("KBS not configured: aa_kbc_params %q is not <kbc>::<url>", params)
	}
	if kbc != ccKBC {
		return cfg, fmt.Sprintf("KBS not configured: aa_kbc_params names KBC %q, not %s", kbc, ccKBC)
	}
	cfg.TokenConfigs.KBS = &KBSConfig{URL: uri}
	if err := cfg.validate(); err != nil {
		cfg.TokenConfigs.KBS = nil
		return cfg, fmt.Sprintf("KBS not configured: %v", err)
	}
	return cfg, "KBS " + cfg.TokenConfigs.KBS.URL + " from aa_kbc_params"
}

func kbcParams(lookupEnv func(string) (string, bool), cmdlinePath string) (string, error) {
	if v, ok := lookupEnv(KBCParamsEnv); ok {
		return v, nil
	}
	b, err := os.ReadFile(cmdlinePath)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errNoKBCParams, err)
	}
	for _, field := range strings.Fields(string(b)) {
		if v, ok := strings.CutPrefix(field, kbcParamsCmdline); ok {
			return v, nil
		}
	}
	return "", errNoKBCParams
}
