package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/internal/pipeline"
)

func newDeleteCommand(g *GlobalOptions) *cobra.Command {
	o := &appNameOptions{}
	cmd := &cobra.Command{
		Use:   "delete --app NAME",
		Short: "Delete everything an app owns, and its inventory",
		Long: `Delete, in reverse apply order, every object the app's inventory in the
cluster records and that is still labelled as the app's, except those
annotated tugboat.dev/prune: disabled; then delete the inventory.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			targets, err := o.named(g, cmd)
			if err != nil {
				return err
			}
			p := pipeline.New(pipeline.Options{})
			out := &applyOutput{}
			var errs []error
			for _, t := range targets {
				res, err := p.Delete(cmd.Context(), t.app.Name, t.cluster, g.applyHooks())
				if res != nil {
					out.Results = append(out.Results, res)
				}
				errs = append(errs, err)
			}
			if err := g.Print(out); err != nil {
				return err
			}
			return errors.Join(errs...)
		},
	}
	o.addFlags(cmd)
	return cmd
}
