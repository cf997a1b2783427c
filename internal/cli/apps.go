package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
)

// appOptions select the apps a command works on: --app NAME or --all from
// a tugboat.yaml, or a bare PATH (or --repo) rendered with the render
// flags as one app named by --name.
type appOptions struct {
	render renderOptions
	file   string
	app    string
	all    bool
	name   string
}

func (o *appOptions) addFlags(cmd *cobra.Command) {
	o.render.addFlags(cmd)
	f := cmd.Flags()
	f.StringVarP(&o.file, "file", "f", v1alpha1.FileName, "the repository's apps file")
	f.StringVar(&o.app, "app", "", "the app of the apps file to work on")
	f.BoolVar(&o.all, "all", false, "every app of the apps file")
	f.StringVar(&o.name, "name", "", "app name for a bare PATH (default: the directory's name)")
}

// target is an app and the cluster it goes to.
type target struct {
	app     pipeline.App
	cluster *cluster.Cluster
	// fromFile: the app comes from the apps file, whose sync options only
	// flags given on the command line override.
	fromFile bool
}

// targets resolves the selected apps and connects to their clusters. A
// global --context overrides every app's destination.
func (o *appOptions) targets(g *GlobalOptions, cmd *cobra.Command, args []string) ([]target, error) {
	apps, err := o.apps(args)
	if err != nil {
		return nil, err
	}
	// Every destination is checked before the first connection, so that
	// one app tug cannot reach fails the command before any work.
	contexts := make([]string, len(apps))
	for i, a := range apps {
		if contexts[i], err = a.kubeContext(g, cmd); err != nil {
			return nil, err
		}
	}
	conns := map[string]*cluster.Cluster{}
	out := make([]target, 0, len(apps))
	for i, a := range apps {
		c, ok := conns[contexts[i]]
		if !ok {
			if c, err = cluster.Connect(g.Kubeconfig, contexts[i]); err != nil {
				return nil, err
			}
			conns[contexts[i]] = c
		}
		out = append(out, target{app: a.app, cluster: c, fromFile: a.fromFile})
	}
	return out, nil
}

type selectedApp struct {
	app      pipeline.App
	context  string
	fromFile bool
	// bySecret: the app's destination is a cluster named by a Secret.
	bySecret bool
}

// kubeContext is the kubeconfig context the app goes to. tug has no
// access to the Secret a destination cluster may be named by (that is the
// controller's job), so such an app needs --context.
func (a selectedApp) kubeContext(g *GlobalOptions, cmd *cobra.Command) (string, error) {
	switch {
	case cmd.Flag("context").Changed:
		return g.Context, nil
	case a.bySecret:
		return "", fmt.Errorf("app %s: destination.cluster: clusters named by Secret are resolved by the controller; to push with tug, give --context", a.app.Name)
	case a.context != "":
		return a.context, nil
	}
	return g.Context, nil
}

func (o *appOptions) apps(args []string) ([]selectedApp, error) {
	bare := len(args) == 1 || o.render.src.Repo != "" || o.render.chart.Repo != ""
	switch {
	case bare && (o.app != "" || o.all):
		return nil, errors.New("give a PATH (or --repo) or --app/--all, not both")
	case bare:
		a, err := o.bareApp(args)
		return []selectedApp{{app: a}}, err
	case o.app == "" && !o.all:
		return nil, errors.New("give a PATH, --repo URL, --app NAME or --all")
	}
	return o.fileApps()
}

func (o *appOptions) bareApp(args []string) (pipeline.App, error) {
	if len(args) == 1 {
		o.render.src.Dir = args[0]
	}
	req, err := o.render.request()
	if err != nil {
		return pipeline.App{}, err
	}
	app := pipeline.App{Name: o.name, Source: o.render.src, Render: req}
	if app.Source.Credentials, err = o.render.credentials(); err != nil {
		return pipeline.App{}, err
	}
	if o.render.chart.Repo != "" {
		if err := o.render.chartAuth(&o.render.chart); err != nil {
			return pipeline.App{}, err
		}
		app.Source.Chart = &o.render.chart
	}
	if app.Name == "" {
		app.Name = defaultAppName(o.render.src)
	}
	if err := (&v1alpha1.AppSpec{Name: app.Name, Path: "."}).Validate(); err != nil {
		return pipeline.App{}, fmt.Errorf("--name: %w", err)
	}
	return app, nil
}

func (o *appOptions) fileApps() ([]selectedApp, error) {
	f, err := v1alpha1.LoadRepositoryFile(o.file)
	if err != nil {
		return nil, err
	}
	root, err := filepath.Abs(filepath.Dir(o.file))
	if err != nil {
		return nil, err
	}
	specs := f.Apps
	if !o.all {
		spec, err := f.App(o.app)
		if err != nil {
			return nil, err
		}
		specs = []v1alpha1.AppSpec{*spec}
	}
	out := make([]selectedApp, len(specs))
	for i := range specs {
		dest := specs[i].Destination
		out[i] = selectedApp{context: dest.Context, bySecret: dest.Cluster != nil, fromFile: true}
		if out[i].app, err = pipeline.FromSpec(&specs[i], root); err != nil {
			return nil, err
		}
		if out[i].app.Source.Repo != "" {
			if out[i].app.Source.Credentials, err = o.render.credentials(); err != nil {
				return nil, err
			}
		}
		if c := out[i].app.Source.Chart; c != nil {
			if err := o.render.chartAuth(c); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

var nonLabel = regexp.MustCompile(`[^a-z0-9-]+`)

// defaultAppName names a bare app after its directory (or repository).
func defaultAppName(src pipeline.SourceSpec) string {
	base := src.Path
	if src.Dir != "" {
		if abs, err := filepath.Abs(src.Dir); err == nil {
			base = abs
		}
	}
	if base == "" || base == "." {
		base = strings.TrimSuffix(src.Repo, ".git")
	}
	name := nonLabel.ReplaceAllString(strings.ToLower(filepath.Base(base)), "-")
	name = strings.Trim(name, "-")
	if len(name) > 63 {
		name = name[:63]
	}
	if name == "" {
		name = "app"
	}
	return name
}
