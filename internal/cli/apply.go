package cli

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
)

func newApplyCommand(g *GlobalOptions) *cobra.Command {
	o := &appOptions{}
	s := &syncFlags{}
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "apply [PATH | --app NAME | --all]",
		Short: "Make the cluster match an app: server-side apply, prune, wait",
		Long: `Render an app, validate every changed object with a server-side dry-run,
then apply in stages (CRDs and Namespaces, cluster-scoped objects, namespaced
objects; waves within each) with field manager "tugboat", prune what the app
owned and no longer declares, record what it owns in the cluster, and with
--wait wait until everything is healthy.

Unchanged objects cost no request beyond one LIST per kind. Nothing is
written if any object is rejected; nothing is pruned if fetching or
rendering failed.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dryRun {
				return runDiff(g, o, s, cmd, args)
			}
			return runApply(g, o, s, cmd, args)
		},
	}
	o.addFlags(cmd)
	s.addFlags(cmd, true)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "plan and print the diff, write nothing (exit code as tug diff)")
	return cmd
}

type applyOutput struct {
	Results []*pipeline.Result `json:"results"`
}

func (a *applyOutput) WriteText(w io.Writer) error {
	for _, r := range a.Results {
		fmt.Fprintf(w, "app %s on %s: %s\n", r.App, r.Cluster, r.ChangeSet.Summary())
	}
	return nil
}

func runApply(g *GlobalOptions, o *appOptions, s *syncFlags, cmd *cobra.Command, args []string) error {
	targets, err := o.targets(g, cmd, args)
	if err != nil {
		return err
	}
	results, err := applyTargets(cmd.Context(), g, s, targets)
	if perr := g.Print(&applyOutput{Results: results}); perr != nil {
		return perr
	}
	return err
}

// applyTargets applies each target with the sync flags s: tug apply, and
// tug rollback --apply after its push.
func applyTargets(ctx context.Context, g *GlobalOptions, s *syncFlags, targets []target) ([]*pipeline.Result, error) {
	return runEach(g, targets, func(p *pipeline.Pipeline, t target) (*pipeline.Result, error) {
		s.apply(&t.app, t.fromFile)
		hooks, done := g.applyHooks()
		defer done()
		return p.Apply(ctx, t.app, t.cluster, hooks)
	})
}

// applyHooks print a line per object applied or pruned and the wait's
// progress; with -o json|yaml they stay quiet, so the output parses. done
// ends a live progress line.
func (g *GlobalOptions) applyHooks() (hooks pipeline.Hooks, done func()) {
	if g.Output != OutputText {
		return pipeline.Hooks{}, func() {}
	}
	w := g.Streams.Out
	printer := NewPrinter(w, IsTerminal(w))
	var mu sync.Mutex
	return pipeline.Hooks{
		Applied: func(c *changeset.Change) {
			mu.Lock()
			defer mu.Unlock()
			if c.Outcome == changeset.Failed {
				fmt.Fprintf(w, "%s %s failed: %s\n", c.ID, c.Action, c.Error)
				return
			}
			fmt.Fprintf(w, "%s %s\n", c.ID, pastTense(c))
		},
		Progress: printer.Progress,
	}, printer.Done
}

func pastTense(c *changeset.Change) string {
	switch c.Action {
	case changeset.Create:
		return "created"
	case changeset.Update:
		return "configured"
	case changeset.Recreate:
		return "re-created"
	case changeset.Prune:
		return "pruned"
	default:
		return "stamped"
	}
}
