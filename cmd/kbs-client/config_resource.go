package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func newSetResourceCommand(env cliEnv, newAdmin adminFactory) *cobra.Command {
	var path, resourceFile string
	cmd := &cobra.Command{
		Use:     "set-resource --path REPO/TYPE/TAG --resource-file F",
		Short:   "Store a confidential resource in the KBS",
		Long:    `Uploads the bytes of a file as the resource at repo/type/tag, replacing any previous value.`,
		Example: `  kbs-client config --admin-token-file admin-token set-resource --path default/key/1 --resource-file key.bin`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			data, err := os.ReadFile(resourceFile)
			if err != nil {
				return fmt.Errorf("read --resource-file: %w", err)
			}
			admin, err := newAdmin()
			if err != nil {
				return err
			}
			if err := admin.SetResource(cmd.Context(), path, data); err != nil {
				return err
			}
			_, err = fmt.Fprintln(env.stdout, "Set resource success")
			return err
		},
	}
	cmd.Flags().StringVar(&path, "path", "", "resource path repo/type/tag (required)")
	cmd.Flags().StringVar(&resourceFile, "resource-file", "", "file holding the resource (required)")
	_ = cmd.MarkFlagRequired("path")
	_ = cmd.MarkFlagRequired("resource-file")
	return cmd
}

func newDeleteResourceCommand(env cliEnv, newAdmin adminFactory) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:     "delete-resource --path REPO/TYPE/TAG",
		Short:   "Delete a confidential resource from the KBS",
		Example: `  kbs-client config --admin-token-file admin-token delete-resource --path default/key/1`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			admin, err := newAdmin()
			if err != nil {
				return err
			}
			if err := admin.DeleteResource(cmd.Context(), path); err != nil {
				return err
			}
			_, err = fmt.Fprintln(env.stdout, "Delete resource success")
			return err
		},
	}
	cmd.Flags().StringVar(&path, "path", "", "resource path repo/type/tag (required)")
	_ = cmd.MarkFlagRequired("path")
	return cmd
}

// printJSON prints a JSON answer indented, one document per line.
func printJSON(env cliEnv, answer json.RawMessage) error {
	var out bytes.Buffer
	if err := json.Indent(&out, bytes.TrimSpace(answer), "", "  "); err != nil {
		return fmt.Errorf("KBS answer is not JSON: %w", err)
	}
	_, err := fmt.Fprintln(env.stdout, out.String())
	return err
}
