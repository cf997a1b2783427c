package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// completionShells are the shells `tug completion` supports.
func completionShells() []string { return []string{"bash", "zsh", "fish"} }

// newCompletionCommand builds `tug completion SHELL`.
func newCompletionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print a shell completion script",
		Long: `Print a shell completion script for tug.

  bash:  source <(tug completion bash)
  zsh:   tug completion zsh > "${fpath[1]}/_tug"
  fish:  tug completion fish > ~/.config/fish/completions/tug.fish`,
		Args:                  cobra.ExactArgs(1),
		ValidArgs:             completionShells(),
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return writeCompletion(cmd.Root(), args[0], cmd.OutOrStdout())
		},
	}
}

// writeCompletion writes root's completion script for shell to w. The
// scripts include descriptions: all three shells can show them.
func writeCompletion(root *cobra.Command, shell string, w io.Writer) error {
	var err error
	switch shell {
	case "bash":
		err = root.GenBashCompletionV2(w, true)
	case "zsh":
		err = root.GenZshCompletion(w)
	case "fish":
		err = root.GenFishCompletion(w, true)
	default:
		return fmt.Errorf("unknown shell %q: must be one of %s", shell, strings.Join(completionShells(), "|"))
	}
	if err != nil {
		return fmt.Errorf("write %s completion: %w", shell, err)
	}
	return nil
}
