package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/internal/pipeline"
)

// Exit code of tug diff when applying would change a cluster.
const ExitChanges = 1

func newDiffCommand(g *GlobalOptions) *cobra.Command {
	o := &appOptions{}
	s := &syncFlags{}
	cmd := &cobra.Command{
		Use:   "diff [PATH | --app NAME | --all]",
		Short: "Show what apply would change, as a diff per object",
		Long: `Plan one app, or every app of tugboat.yaml (--all), against its cluster and
print a unified diff per object that would change, then a summary. Objects
are compared on what Tugboat owns: a server-side dry-run of each changed
object, normalized; Secret values are always redacted.

Exit code: 0 no changes, 1 changes, 2 error (as kubectl diff).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDiff(g, o, s, cmd, args)
		},
	}
	o.addFlags(cmd)
	s.addFlags(cmd, false)
	return cmd
}

// diffOutput is the -o json|yaml form of a diff: the change set of every
// app planned.
type diffOutput struct {
	Results []*pipeline.Result `json:"results"`
	Errors  []string           `json:"errors,omitempty"`
	color   bool
}

func (d *diffOutput) WriteText(w io.Writer) error {
	for _, r := range d.Results {
		fmt.Fprintf(w, "app %s on %s", r.App, r.Cluster)
		if r.Revision != "" {
			fmt.Fprintf(w, " at %s", r.Revision)
		}
		fmt.Fprintln(w)
		if err := WriteChangeSet(w, r.ChangeSet, d.color); err != nil {
			return err
		}
	}
	return nil
}

func runDiff(g *GlobalOptions, o *appOptions, s *syncFlags, cmd *cobra.Command, args []string) error {
	targets, err := o.targets(g, cmd, args)
	if err != nil {
		return err
	}
	p := g.pipeline()
	out := &diffOutput{color: UseColor(g.Streams.Out)}
	var errs []error
	changes := false
	for _, t := range targets {
		s.apply(&t.app, t.fromFile)
		res, err := p.Plan(cmd.Context(), t.app, t.cluster)
		if err != nil {
			errs = append(errs, err)
			out.Errors = append(out.Errors, err.Error())
			continue
		}
		changes = changes || res.ChangeSet.HasChanges()
		out.Results = append(out.Results, res)
	}
	if err := g.Print(out); err != nil {
		return err
	}
	if len(errs) > 0 {
		return &ExitError{Code: ExitFailure, Err: errors.Join(errs...)}
	}
	if changes {
		return &ExitError{Code: ExitChanges}
	}
	return nil
}
