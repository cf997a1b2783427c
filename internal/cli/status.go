package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
)

// appNameOptions select apps by name only: status and delete need no
// source, just what the cluster recorded.
type appNameOptions struct {
	appOptions
}

func (o *appNameOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&o.file, "file", "f", "tugboat.yaml", "the repository's apps file (for --all, and for each app's context)")
	f.StringVar(&o.app, "app", "", "the app")
	f.BoolVar(&o.all, "all", false, "every app of the apps file")
}

func newStatusCommand(g *GlobalOptions) *cobra.Command {
	o := &appNameOptions{}
	cmd := &cobra.Command{
		Use:   "status --app NAME",
		Short: "Show the health of everything an app owns",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			targets, err := o.named(g, cmd)
			if err != nil {
				return err
			}
			results, err := runEach(g, targets, func(p *pipeline.Pipeline, t target) (*pipeline.Result, error) {
				return p.Status(cmd.Context(), t.app.Name, t.cluster)
			})
			if perr := g.Print(&statusOutput{Results: results}); perr != nil {
				return perr
			}
			return err
		},
	}
	o.addFlags(cmd)
	return cmd
}

type statusOutput struct {
	Results []*pipeline.Result `json:"results"`
}

func (s *statusOutput) WriteText(w io.Writer) error {
	for _, r := range s.Results {
		fmt.Fprintf(w, "app %s on %s at %s\n", r.App, r.Cluster, r.Revision)
		if err := WriteTable(w, r.Health); err != nil {
			return err
		}
	}
	return nil
}

// named resolves --app or --all. An app the apps file does not declare (or
// with no apps file) goes to the current context; any other trouble with
// the file (it does not load, the app's destination cannot be reached) is
// an error, never a reason to act on the current context instead.
func (o *appNameOptions) named(g *GlobalOptions, cmd *cobra.Command) ([]target, error) {
	if o.app == "" && !o.all {
		return nil, errors.New("give --app NAME or --all")
	}
	targets, err := o.targets(g, cmd, nil)
	if err == nil || o.all || !o.undeclared() {
		return targets, err
	}
	o.name = o.app
	o.app = ""
	o.render.src.Dir = "."
	return o.targets(g, cmd, []string{"."})
}

// undeclared reports whether --app is not in the apps file: there is no
// file, or it loads and names no such app.
func (o *appNameOptions) undeclared() bool {
	if _, err := os.Stat(o.file); errors.Is(err, fs.ErrNotExist) {
		return true
	}
	f, err := v1alpha1.LoadRepositoryFile(o.file)
	if err != nil {
		return false
	}
	_, err = f.App(o.app)
	return err != nil
}
