package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
)

// Exit code of tug diff when applying would change a cluster.
const ExitChanges = 1

func newDiffCommand(g *GlobalOptions) *cobra.Command {
	o := &appOptions{}
	s := &syncFlags{}
	var application string
	cmd := &cobra.Command{
		Use:   "diff [PATH | --app NAME | --all | --application NAME]",
		Short: "Show what apply would change, as a diff per object",
		Long: `Plan one app, or every app of tugboat.yaml (--all), against its cluster and
print a unified diff per object that would change, then a summary. Objects
are compared on what Tugboat owns: a server-side dry-run of each changed
object, normalized; Secret values are always redacted.

--application NAME plans the Application NAME of the cluster (in -n, default
the context's namespace) as the controller would sync it: its spec, its
Secret's credentials, its sync options. --app NAME does too when there is no
tugboat.yaml, or it has no app NAME.

Exit code: 0 no changes, 1 changes, 2 error (as kubectl diff).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			targets, err := diffTargets(g, o, application, cmd, args)
			if err != nil {
				return err
			}
			return planTargets(g, s, cmd, targets)
		},
	}
	o.addFlags(cmd)
	s.addFlags(cmd, false)
	cmd.Flags().StringVar(&application, "application", "", "the Application of the cluster to plan, in -n (default: the context's namespace)")
	return cmd
}

// diffTargets resolves the apps to plan: --application NAME is the
// cluster's Application; --app NAME is the apps file's app, or, with no
// apps file or no such app in it, the cluster's Application NAME.
func diffTargets(g *GlobalOptions, o *appOptions, application string, cmd *cobra.Command, args []string) ([]target, error) {
	if application != "" {
		if len(args) > 0 || o.app != "" || o.all || o.render.src.Repo != "" || o.render.chart.Repo != "" {
			return nil, errors.New("give --application alone, not with a PATH, --repo, --chart-repo, --app or --all")
		}
		t, err := applicationTarget(cmd.Context(), g, o.render.namespace, application)
		if err != nil {
			return nil, err
		}
		return []target{t}, nil
	}
	if !o.mayBeApplication(args) {
		return o.targets(g, cmd, args)
	}
	missing := notInFile(o.file, o.app)
	if missing == nil {
		return o.targets(g, cmd, args)
	}
	t, err := applicationTarget(cmd.Context(), g, o.render.namespace, o.app)
	if err != nil {
		return nil, fmt.Errorf("--app %s: %w; and in the cluster: %w", o.app, missing, err)
	}
	return []target{t}, nil
}

// mayBeApplication: --app NAME alone may name an Application when the
// apps file does not have it.
func (o *appOptions) mayBeApplication(args []string) bool {
	return o.app != "" && !o.all && len(args) == 0 && o.render.src.Repo == "" && o.render.chart.Repo == ""
}

// notInFile says why the apps file does not declare the app name: there
// is no file, or no such app in it. It returns nil when the file declares
// the app, and also when the file is broken: that is for loading it again
// to report, not a reason to look in the cluster.
func notInFile(file, name string) error {
	f, err := v1alpha1.LoadRepositoryFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no %s", file)
	}
	if err != nil {
		return nil
	}
	_, err = f.App(name)
	return err
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

// runDiff plans the apps that appOptions select (tug apply --dry-run).
func runDiff(g *GlobalOptions, o *appOptions, s *syncFlags, cmd *cobra.Command, args []string) error {
	targets, err := o.targets(g, cmd, args)
	if err != nil {
		return err
	}
	return planTargets(g, s, cmd, targets)
}

// planTargets plans each target and prints the diffs; the exit code says
// whether there are changes.
func planTargets(g *GlobalOptions, s *syncFlags, cmd *cobra.Command, targets []target) error {
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
