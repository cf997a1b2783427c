package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/internal/version"
)

// newVersionCommand builds `tug version`.
func newVersionCommand(opts *GlobalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version of tug",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return opts.Print(versionOutput(version.Get()))
		},
	}
}

// versionOutput is version.Info with its text form; the conversion keeps the
// json tags that name the keys of -o json and -o yaml.
type versionOutput version.Info

// WriteText prints one field per line.
func (v versionOutput) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "tug %s\ncommit:   %s\ngo:       %s\nplatform: %s\n",
		v.Version, v.Commit, v.GoVersion, v.Platform)
	if err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}
