package cli

import (
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
			results, err := runEach(g, targets, func(p *pipeline.Pipeline, t target) (*pipeline.Result, error) {
				hooks, done := g.applyHooks()
				defer done()
				return p.Delete(cmd.Context(), t.app.Name, t.cluster, hooks)
			})
			if perr := g.Print(&applyOutput{Results: results}); perr != nil {
				return perr
			}
			return err
		},
	}
	o.addFlags(cmd)
	return cmd
}
