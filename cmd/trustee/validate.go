package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cocoon-cc/cocoon/internal/trustee/config"
)

func newValidateCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "validate -c FILE",
		Short: "Check a configuration file and print every problem, each naming its key",
		Example: `  trustee validate -c /etc/trustee/kbs-config.toml
  KBS_CONFIG_FILE=/etc/trustee/kbs-config.toml trustee validate`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return runValidate(o) },
	}
}

// errInvalidConfig is returned after the problems have been printed.
var errInvalidConfig = errors.New("configuration is invalid")

func runValidate(o *options) error {
	if o.configFile == "" {
		return errors.New("validate needs a configuration file: -c FILE or $" + envConfigFile)
	}
	cfg, err := config.Load(o.configFile)
	if err != nil {
		if _, err := fmt.Fprintf(o.stdout, "%s: INVALID\n", o.configFile); err != nil {
			return err
		}
		for _, problem := range flatten(err) {
			if _, err := fmt.Fprintf(o.stdout, "  error: %v\n", problem); err != nil {
				return err
			}
		}
		return errInvalidConfig
	}
	for _, w := range cfg.Warnings {
		if _, err := fmt.Fprintf(o.stdout, "  warning: %s\n", w); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintf(o.stdout, "%s: OK\n", o.configFile)
	return err
}

// flatten lists the problems joined in err, one per configuration key.
func flatten(err error) []error {
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		return joined.Unwrap()
	}
	return []error{err}
}
