package cli

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/health"
	"github.com/tugboat-gitops/tugboat/internal/image"
	"github.com/tugboat-gitops/tugboat/internal/image/setter"
	"github.com/tugboat-gitops/tugboat/internal/promote"
)

// promoteMessage is the default commit message of a promotion.
const promoteMessage = `tugboat: promote {{.From}} to {{.To}}
{{range .Lines}}
{{.}}{{end}}
`

type promoteOptions struct {
	write          writeOptions
	from, to       string
	imagesOnly     bool
	requireHealthy bool
}

func newPromoteCommand(g *GlobalOptions) *cobra.Command {
	o := &promoteOptions{}
	cmd := &cobra.Command{
		Use:   "promote --from APP --to APP [--images-only] [--require-healthy] [--commit | --push [--repo URL] [--branch B]]",
		Short: "Copy what one environment runs (images, chart version) into another, as a commit",
		Long: `Render the app --from as it is in the repository, take the images its
workloads run, and set them in the files of the app --to (marker comments,
kustomization images: entries and imageUpdate.fields, matched by image
repository); unless --images-only, also give --to's chart the version of
--from's when both deploy the same chart. Both apps are entries of
tugboat.yaml.

--require-healthy first checks that --from runs the commit being promoted
and that everything it owns is healthy, in its cluster (its inventory
record, which tug apply and the controller both keep): a promotion of
something not yet live, or broken, changes nothing.

--commit, --push and --repo work as for tug image set; --branch pushes to
that branch instead (created from the current one), for review:

  tug promote --from staging --to production --require-healthy --push
  tug promote --from staging --to production --push --branch promote/production`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd, g)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "", "the app whose images are promoted")
	f.StringVar(&o.to, "to", "", "the app they are promoted to")
	f.BoolVar(&o.imagesOnly, "images-only", false, "leave chart versions as they are")
	f.BoolVar(&o.requireHealthy, "require-healthy", false, "refuse unless --from runs the commit promoted and all it owns is healthy")
	w := &o.write
	w.addTargetFlags(cmd)
	f.StringVar(&w.pushBranch, "branch", "", "with --push: push to this branch (made from the current one) for review")
	f.StringVar(&w.message, "message", "", "commit message, a Go template over .From, .To, .Changes and .Lines (default: \"tugboat: promote FROM to TO\" and a line per change)")
	f.StringVar(&w.author.Name, "author-name", "", "commit author's name (default tugboat)")
	f.StringVar(&w.author.Email, "author-email", "", "commit author's email (default tugboat@tugboat.dev)")
	return cmd
}

func (o *promoteOptions) run(cmd *cobra.Command, g *GlobalOptions) error {
	switch {
	case o.from == "" || o.to == "":
		return errors.New("give --from APP and --to APP")
	case o.from == o.to:
		return fmt.Errorf("--from and --to are both %s", o.from)
	case o.write.pushBranch != "" && !o.write.push:
		return errors.New("--branch goes with --push: a review branch is pushed")
	}
	if o.requireHealthy {
		// The gate reads the commits since the one --from runs.
		o.write.depth = -1
	}
	if o.write.message == "" {
		o.write.message = promoteMessage
	}
	// The message template sees From and To beside the changes.
	o.write.message = strings.NewReplacer("{{.From}}", o.from, "{{.To}}", o.to).Replace(o.write.message)
	plan := func(ctx context.Context, c *checkout) ([]image.Target, error) {
		return o.plan(ctx, cmd, g, c)
	}
	return o.write.run(cmd.Context(), g, "", plan, &imageResult{})
}

// plan renders --from in the checkout c and says what to set in --to.
func (o *promoteOptions) plan(ctx context.Context, cmd *cobra.Command, g *GlobalOptions, c *checkout) ([]image.Target, error) {
	file := filepath.Join(c.root, filepath.FromSlash(c.file))
	f, err := v1alpha1.LoadRepositoryFile(file)
	if err != nil {
		return nil, err
	}
	to, err := f.App(o.to)
	if err != nil {
		return nil, err
	}
	if o.requireHealthy {
		if err := o.checkLive(cmd, g, c, f); err != nil {
			return nil, err
		}
	}
	sel := &appOptions{file: file, app: o.from}
	apps, err := sel.fileApps()
	if err != nil {
		return nil, err
	}
	rendered, err := g.pipeline().Render(ctx, apps[0].app.Source, apps[0].app.Render)
	if err != nil {
		return nil, fmt.Errorf("render app %s: %w", o.from, err)
	}
	images, err := promote.Images(rendered.Objects)
	if err != nil {
		return nil, fmt.Errorf("app %s: %w", o.from, err)
	}
	target := image.Target{App: o.to}
	if to.Path != "" && to.Repo == "" {
		files, err := appFiles(to, path.Dir(c.file))
		if err != nil {
			return nil, err
		}
		target.Path, target.Request = files.path, setter.Request{Repositories: images}
	}
	if !o.imagesOnly {
		chart, err := promote.ChartVersion(f, o.from, o.to)
		if err != nil {
			return nil, err
		}
		if chart != nil {
			target.Values = []image.Value{{File: c.file, Path: chart.Path, What: "chart " + to.Chart.Repo + "/" + to.Chart.Name, New: chart.New}}
		}
	}
	if target.Path == "" && len(target.Values) == 0 {
		return nil, fmt.Errorf("app %s has no files in this repository and no chart version to promote into", o.to)
	}
	return []image.Target{target}, nil
}

// checkLive refuses to promote what --from does not run, healthy: it must
// run the checkout's commit, or one whose later commits changed only
// other apps' files.
func (o *promoteOptions) checkLive(cmd *cobra.Command, g *GlobalOptions, c *checkout, f *v1alpha1.RepositoryFile) error {
	repo, err := gogit.PlainOpenWithOptions(c.root, &gogit.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return fmt.Errorf("--require-healthy: %s is not in a git repository: %w", c.root, err)
	}
	head, err := repo.Head()
	if err != nil {
		return fmt.Errorf("--require-healthy: %w", err)
	}
	named := &appNameOptions{appOptions{file: filepath.Join(c.root, filepath.FromSlash(c.file)), app: o.from}}
	targets, err := named.named(g, cmd)
	if err != nil {
		return err
	}
	res, err := g.pipeline().Status(cmd.Context(), o.from, targets[0].cluster)
	if err != nil {
		return fmt.Errorf("--require-healthy: %w", err)
	}
	_, live, _ := strings.Cut(res.Revision, "sha1:")
	if !plumbing.IsHash(live) {
		return fmt.Errorf("--require-healthy: app %s in cluster %s was applied from %s, which names no commit", o.from, res.Cluster, orNone(res.Revision))
	}
	var others []string
	for _, a := range f.Apps {
		if a.Name != o.from && a.Repo == "" && a.Path != "" {
			others = append(others, path.Join(path.Dir(c.file), a.Path))
		}
	}
	if err := promote.Behind(repo, plumbing.NewHash(live), head.Hash(), others); err != nil {
		return fmt.Errorf("--require-healthy: app %s runs %s in cluster %s, not what %s holds for it: %w; apply it, or wait for the controller, first",
			o.from, shortSHA(live), res.Cluster, shortSHA(head.Hash().String()), err)
	}
	var unhealthy []string
	for _, h := range res.Health {
		if h.Status != health.Current {
			unhealthy = append(unhealthy, fmt.Sprintf("%s %s", h.ID, h.Status))
		}
	}
	if len(unhealthy) > 0 {
		return fmt.Errorf("--require-healthy: app %s at %s is not healthy: %s", o.from, shortSHA(live), strings.Join(unhealthy, ", "))
	}
	return nil
}
