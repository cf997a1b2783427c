package cli

import (
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/image"
	"github.com/tugboat-gitops/tugboat/internal/image/setter"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
	"github.com/tugboat-gitops/tugboat/internal/redact"
)

// imageApp is an app whose files tug image sets.
type imageApp struct {
	name string
	// path is the app's directory, slash-separated and relative to the
	// repository root.
	path   string
	update *v1alpha1.ImageUpdateSpec
}

// checkout is a repository checked out at root and the apps selected in
// it. A push loads it from each fresh clone, so the apps file read is the
// one the commit goes on top of.
type checkout struct {
	root string
	// file is the apps file, slash-separated and relative to root; empty
	// for a bare PATH.
	file     string
	apps     []imageApp
	policies []v1alpha1.NamedImagePolicy
}

// selection says which files of a repository set and update work on: the
// apps of an apps file (--app, or all of them) or a bare PATH.
type selection struct {
	// rel is the apps file, or PATH, relative to the repository root.
	rel string
	// bare: rel is a PATH, one app named name.
	bare bool
	name string
	// app is --app; empty means every app of the file.
	app string
}

// load reads the selection in the checkout at root.
func (s *selection) load(root string) (*checkout, error) {
	c := &checkout{root: root}
	if s.bare {
		dir := filepath.Join(root, filepath.FromSlash(s.rel))
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("PATH %s: not a directory", s.rel)
		}
		c.apps = []imageApp{{name: s.name, path: s.rel}}
		return c, nil
	}
	f, err := v1alpha1.LoadRepositoryFile(filepath.Join(root, filepath.FromSlash(s.rel)))
	if err != nil {
		return nil, err
	}
	c.file, c.policies = s.rel, f.ImagePolicies
	specs := f.Apps
	if s.app != "" {
		spec, err := f.App(s.app)
		if err != nil {
			return nil, err
		}
		specs = []v1alpha1.AppSpec{*spec}
	}
	base := path.Dir(s.rel)
	for _, spec := range specs {
		a, err := appFiles(&spec, base)
		switch {
		case err != nil && s.app != "":
			return nil, err
		case err == nil:
			c.apps = append(c.apps, a)
		}
		// Without --app, apps whose files are elsewhere are not ours.
	}
	return c, nil
}

// appFiles is where spec's files are, relative to the repository root:
// its path, relative to the apps file's directory base.
func appFiles(spec *v1alpha1.AppSpec, base string) (imageApp, error) {
	switch {
	case spec.Repo != "":
		return imageApp{}, fmt.Errorf("app %s: its files are in another repository (%s): give --repo with that URL and the app's PATH there", spec.Name, redact.Text(spec.Repo))
	case spec.Path == "":
		return imageApp{}, fmt.Errorf("app %s: a chart from a chart repository has no files here to set", spec.Name)
	}
	p := path.Join(base, spec.Path)
	if !filepath.IsLocal(filepath.FromSlash(p)) {
		return imageApp{}, fmt.Errorf("app %s: path %q leaves the repository", spec.Name, spec.Path)
	}
	return imageApp{name: spec.Name, path: p, update: spec.ImageUpdate}, nil
}

// bareName names the app of a bare PATH as the other commands do: after
// its directory, or the repository's name for its root.
func bareName(dir, repo, rel string) string {
	if repo != "" {
		return defaultAppName(pipeline.SourceSpec{Repo: repo, Path: rel})
	}
	return defaultAppName(pipeline.SourceSpec{Dir: dir})
}

// one is the only app selected, or nil: its imageUpdate settings apply
// only when the commit is its own.
func (c *checkout) one() *v1alpha1.ImageUpdateSpec {
	if len(c.apps) != 1 {
		return nil
	}
	return c.apps[0].update
}

// template is the commit message template: --message, else the app's.
func (c *checkout) template(flag string) string {
	if u := c.one(); flag == "" && u != nil {
		return u.MessageTemplate
	}
	return flag
}

// paths are the apps' directories, for the clean check of --commit.
func (c *checkout) paths() []string {
	out := make([]string, len(c.apps))
	for i, a := range c.apps {
		out[i] = a.path
	}
	return out
}

// targets are the apps' targets, each with the request req makes for it.
func (c *checkout) targets(req func(imageApp) setter.Request) []image.Target {
	out := make([]image.Target, len(c.apps))
	for i, a := range c.apps {
		out[i] = image.Target{App: a.name, Path: a.path, Request: req(a)}
	}
	return out
}
