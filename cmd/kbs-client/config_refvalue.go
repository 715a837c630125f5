package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
)

func newGetReferenceValueCommand(env cliEnv, newAdmin adminFactory) *cobra.Command {
	var id string
	cmd := &cobra.Command{
		Use:     "get-reference-value --id ID",
		Short:   "Print a reference value registered with the RVPS",
		Example: `  kbs-client config --admin-token-file admin-token get-reference-value --id svn`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			admin, err := newAdmin()
			if err != nil {
				return err
			}
			value, err := admin.GetReferenceValue(cmd.Context(), id)
			if err != nil {
				return err
			}
			return printJSON(env, value)
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "reference value id (required)")
	_ = cmd.MarkFlagRequired("id")
	return cmd
}

func newSetSampleReferenceValueCommand(env cliEnv, newAdmin adminFactory) *cobra.Command {
	var asInteger, asBool, asSingleValue bool
	cmd := &cobra.Command{
		Use:   "set-sample-reference-value NAME VALUE [--as-integer | --as-bool] [--as-single-value]",
		Short: "Register a reference value through the RVPS sample extractor",
		Long: `Registers VALUE under NAME with the RVPS sample extractor, through the KBS.
VALUE is a string unless --as-integer or --as-bool is given. It is registered
as a one-element list, which attestation policies match against, unless
--as-single-value is given. The sample extractor checks no signature: keep it
for development.`,
		Example: `  kbs-client config --admin-token-file admin-token set-sample-reference-value svn 1 --as-integer
  kbs-client config --admin-token-file admin-token set-sample-reference-value launch_digest abcde`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			value, err := parseReferenceValue(args[1], asInteger, asBool)
			if err != nil {
				return err
			}
			message, err := kbsclient.SampleReferenceValueMessage(args[0], value, asSingleValue)
			if err != nil {
				return err
			}
			admin, err := newAdmin()
			if err != nil {
				return err
			}
			if err := admin.RegisterReferenceValue(cmd.Context(), message); err != nil {
				return err
			}
			_, err = fmt.Fprintln(env.stdout, "Reference Values Updated")
			return err
		},
	}
	cmd.Flags().BoolVar(&asInteger, "as-integer", false, "register VALUE as an integer")
	cmd.Flags().BoolVar(&asBool, "as-bool", false, "register VALUE as a boolean (true or false)")
	cmd.Flags().BoolVar(&asSingleValue, "as-single-value", false, "register VALUE itself rather than a one-element list")
	cmd.MarkFlagsMutuallyExclusive("as-integer", "as-bool")
	return cmd
}

func parseReferenceValue(raw string, asInteger, asBool bool) (any, error) {
	switch {
	case asInteger:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("VALUE %q is not an integer", raw)
		}
		return n, nil
	case asBool:
		switch raw {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("VALUE %q is not true or false", raw)
	}
	return raw, nil
}
