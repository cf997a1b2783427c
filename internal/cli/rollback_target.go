package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/redact"
	"github.com/tugboat-gitops/tugboat/internal/source"
	gitsource "github.com/tugboat-gitops/tugboat/internal/source/git"
)

// rollbackTarget is where a rollback goes: a branch of a repository and
// the app's path in it.
type rollbackTarget struct {
	// name is the app; application is "namespace/name" in pull mode.
	name, application string
	url, branch       string
	// display is the URL without credentials.
	display string
	creds   source.Credentials
	// path is the app's path in the repository; empty means the apps
	// file sel names it, read in each clone.
	path string
	sel  *selection
	// local is the checkout to fast-forward after the push, if any.
	local *localRepo
	// revs maps the remote's tags and other branches to their commits:
	// the clone holds one branch and no tags.
	revs map[string]string
}

// target finds where the rollback goes: an Application's repository, the
// repository of --repo, or the local checkout's origin.
func (o *rollbackOptions) target(ctx context.Context, g *GlobalOptions) (*rollbackTarget, error) {
	switch {
	case o.application != "":
		return o.applicationTarget(ctx, g)
	case o.repo != "":
		creds, err := gitCredentials()
		if err != nil {
			return nil, err
		}
		if !filepath.IsLocal(filepath.FromSlash(o.file)) {
			return nil, fmt.Errorf("%s: with --repo, want a path inside the repository", o.file)
		}
		rel := filepath.ToSlash(filepath.Clean(o.file))
		t := &rollbackTarget{name: o.app, url: o.repo, creds: creds, sel: &selection{rel: rel, app: o.app}}
		return t, t.resolve(ctx, o.branch, "")
	}
	return o.localTarget(ctx)
}

// localTarget is the origin of the checkout holding the apps file, on
// the branch checked out; or, for an app whose repo: is another
// repository, that one.
func (o *rollbackOptions) localTarget(ctx context.Context) (*rollbackTarget, error) {
	abs, err := filepath.Abs(o.file)
	if err != nil {
		return nil, err
	}
	f, err := v1alpha1.LoadRepositoryFile(abs)
	if err != nil {
		return nil, err
	}
	spec, err := f.App(o.app)
	if err != nil {
		return nil, err
	}
	creds, err := gitCredentials()
	if err != nil {
		return nil, err
	}
	if spec.Repo != "" {
		return specTarget(ctx, spec.Name, spec.Repo, spec.Ref, spec.Path, "", creds)
	}
	local, err := openLocal(filepath.Dir(abs))
	if err != nil {
		return nil, err
	}
	if local == nil {
		return nil, fmt.Errorf("%s is in no git repository: give --repo URL", abs)
	}
	rel, err := filepath.Rel(local.root, abs)
	if err != nil || !filepath.IsLocal(rel) {
		return nil, fmt.Errorf("%s is outside the git work tree %s", abs, local.root)
	}
	url, err := local.origin()
	if err != nil {
		return nil, err
	}
	branch, err := local.branch()
	if err != nil {
		return nil, err
	}
	if branch == "" {
		return nil, errors.New("HEAD is detached; check out the branch to roll back, or give --repo URL --branch B")
	}
	t := &rollbackTarget{name: o.app, url: url, creds: creds, local: local,
		sel: &selection{rel: filepath.ToSlash(rel), app: o.app}}
	return t, t.resolve(ctx, branch, "")
}

// applicationTarget is an Application's repository, branch and path.
func (o *rollbackOptions) applicationTarget(ctx context.Context, g *GlobalOptions) (*rollbackTarget, error) {
	_, app, pa, err := readApplication(ctx, g, o.namespace, o.application)
	if err != nil {
		return nil, err
	}
	id := app.Namespace + "/" + app.Name
	if pa.Source.Repo == "" {
		return nil, fmt.Errorf("Application %s deploys a chart of a chart repository: there is no git history to roll back", id)
	}
	creds, err := writeCredentials(pa.Source.Credentials)
	if err != nil {
		return nil, err
	}
	t, err := specTarget(ctx, pa.Name, pa.Source.Repo, pa.Source.Ref, pa.Source.Path, o.branch, creds)
	if err != nil {
		return nil, fmt.Errorf("Application %s: %w", id, err)
	}
	t.application = id
	return t, nil
}

// specTarget is a branch of repo, the one ref names unless branch is
// given, with the app's files at dir.
func specTarget(ctx context.Context, name, repo, ref, dir, branch string, creds source.Credentials) (*rollbackTarget, error) {
	dir = path.Clean(cmp.Or(dir, "."))
	if !filepath.IsLocal(filepath.FromSlash(dir)) {
		return nil, fmt.Errorf("app %s: path %q leaves the repository", name, dir)
	}
	t := &rollbackTarget{name: name, url: repo, creds: creds, path: dir}
	return t, t.resolve(ctx, branch, ref)
}

// writeCredentials are TUGBOAT_GIT_* when any is set, else an
// Application's own: the user's may write where the controller's only
// read, but a deploy key that writes serves too.
func writeCredentials(app source.Credentials) (source.Credentials, error) {
	env, err := source.CredentialsFromEnv("TUGBOAT_GIT_", os.Getenv)
	if err != nil || !env.IsZero() || app.IsZero() {
		return gitCredentials()
	}
	home, _ := os.UserHomeDir()
	return app, app.DefaultKnownHosts(home)
}

// resolve lists the remote's refs once: for the branch to roll back (the
// one given, else the one ref names, else the remote's HEAD) and for the
// tags and branches --to may name.
func (t *rollbackTarget) resolve(ctx context.Context, branch, ref string) error {
	t.display = redact.Text(t.url)
	refs, err := listRemote(ctx, t.url, t.creds)
	if err != nil {
		return err
	}
	if branch == "" {
		if branch, err = refBranch(t.url, ref, refs); err != nil {
			return err
		}
	}
	t.branch = branch
	t.revs = remoteRevisions(refs, branch)
	return nil
}

// refBranch is the branch an app's ref names: a rollback pushes to a
// branch, so a tag, a range of them or a commit will not do.
func refBranch(url, ref string, refs []*plumbing.Reference) (string, error) {
	r, err := gitsource.ParseRef(ref)
	if err != nil {
		return "", err
	}
	switch {
	case r.Branch != "":
		return r.Branch, nil
	case r.Name != "":
		for _, x := range refs {
			if x.Name() == plumbing.NewBranchReferenceName(r.Name) {
				return r.Name, nil
			}
		}
		return "", fmt.Errorf("ref %s is no branch of %s: give --branch", r.Name, redact.Text(url))
	case r == (gitsource.Ref{}):
		return headBranch(url, refs)
	}
	return "", fmt.Errorf("ref %s is not a branch, so a revert there would not be deployed: give --branch (and have the app follow it)", r)
}

// remoteRevisions maps the remote's tags (annotated ones peeled) and its
// branches other than branch to their commits; a tag wins over a branch
// of the same name, as with git.
func remoteRevisions(refs []*plumbing.Reference, branch string) map[string]string {
	out := map[string]string{}
	peeled := map[string]string{}
	for _, r := range refs {
		name := r.Name()
		switch {
		case r.Type() != plumbing.HashReference:
		case name.IsTag() && strings.HasSuffix(name.Short(), "^{}"):
			peeled[strings.TrimSuffix(name.Short(), "^{}")] = r.Hash().String()
		case name.IsTag():
			out[name.Short()] = r.Hash().String()
		}
	}
	for tag, commit := range peeled {
		out[tag] = commit
	}
	for _, r := range refs {
		if n := r.Name(); r.Type() == plumbing.HashReference && n.IsBranch() && n.Short() != branch {
			if _, ok := out[n.Short()]; !ok {
				out[n.Short()] = r.Hash().String()
			}
		}
	}
	return out
}

// appPath is the app's path in the clone at dir.
func (t *rollbackTarget) appPath(dir string) (string, error) {
	if t.path != "" {
		return t.path, nil
	}
	c, err := t.sel.load(dir)
	if err != nil {
		return "", err
	}
	return c.apps[0].path, nil
}

// revision is rev as the clone can resolve it: a tag or another branch
// as its commit, the rest (a SHA, HEAD~2, the branch) as given.
func (t *rollbackTarget) revision(rev string) string {
	if commit, ok := t.revs[rev]; ok {
		return commit
	}
	return rev
}
