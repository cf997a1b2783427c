package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/image"
	"github.com/tugboat-gitops/tugboat/internal/image/writeback"
	"github.com/tugboat-gitops/tugboat/internal/redact"
	"github.com/tugboat-gitops/tugboat/internal/source"
)

// writeOptions are the flags of set and update that say which files to
// edit and what becomes of the edit: left in the work tree, committed
// there, or pushed.
type writeOptions struct {
	file    string
	app     string
	commit  bool
	push    bool
	repo    string
	branch  string
	message string
	author  writeback.Signature
	// pushBranch is where a push goes when not to the branch it starts
	// from: a review branch (tug promote --branch).
	pushBranch string
	// depth is writeback's clone depth: 0 shallow, <0 the whole history
	// (for a plan that reads it).
	depth int
}

func (o *writeOptions) addFlags(cmd *cobra.Command) {
	o.addTargetFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&o.app, "app", "", "the app of the apps file whose files to set")
	f.StringVar(&o.branch, "branch", "", "with --repo: the branch to push to (default: the remote's HEAD)")
	f.StringVar(&o.message, "message", "", "commit message, a Go template over .Changes and .Lines (default: the app's imageUpdate.messageTemplate, else \"tugboat: update images\" and a line per update)")
	f.StringVar(&o.author.Name, "author-name", "", "commit author's name (default: the app's imageUpdate.author, else tugboat)")
	f.StringVar(&o.author.Email, "author-email", "", "commit author's email (default: the app's imageUpdate.author, else tugboat@tugboat.dev)")
}

// addTargetFlags adds the flags that say where the edit is made and
// how it leaves: the apps file, --commit, --push and --repo; every
// command that writes to the repository has them alike.
func (o *writeOptions) addTargetFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&o.file, "file", "f", v1alpha1.FileName, "the repository's apps file (with --repo, its path in the repository)")
	f.BoolVar(&o.commit, "commit", false, "commit the changed files in the local git repository")
	f.BoolVar(&o.push, "push", false, "commit and push to origin's current branch (or to --repo), redoing the edit on the new head if the branch moved; credentials from TUGBOAT_GIT_*")
	f.StringVar(&o.repo, "repo", "", "with --push: the git repository to clone, edit and push, instead of the local checkout")
}

// validate checks the flags that go together, before any work.
func (o *writeOptions) validate() error {
	switch {
	case o.repo != "" && !o.push:
		return errors.New("--repo goes with --push: its clone is temporary, so an edit there must be pushed")
	case o.branch != "" && o.repo == "":
		return errors.New("--branch goes with --repo: a local --push goes to the branch checked out")
	}
	if _, err := template.New("message").Parse(o.message); err != nil {
		return fmt.Errorf("--message: %w", err)
	}
	return nil
}

// planFunc says what to set in the apps of a checkout.
type planFunc func(ctx context.Context, c *checkout) ([]image.Target, error)

// run edits the selection's files with plan where --repo, --push and
// --commit say, and prints what changed. path is set's PATH, "" for the
// apps file.
func (o *writeOptions) run(ctx context.Context, g *GlobalOptions, path string, plan planFunc, res *imageResult) error {
	if err := o.validate(); err != nil {
		return err
	}
	var err error
	if o.repo != "" {
		err = o.pushRemote(ctx, path, plan, res)
	} else {
		err = o.runLocal(ctx, path, plan, res)
	}
	if err != nil {
		return err
	}
	return g.Print(res)
}

// pushRemote clones --repo, edits and pushes: the selection is read from
// the clone.
func (o *writeOptions) pushRemote(ctx context.Context, path string, plan planFunc, res *imageResult) error {
	sel := &selection{rel: o.file, app: o.app}
	if path != "" {
		sel = &selection{rel: path, bare: true, name: bareName("", o.repo, path)}
	}
	if !filepath.IsLocal(filepath.FromSlash(sel.rel)) {
		return fmt.Errorf("%s: with --repo, want a path inside the repository", sel.rel)
	}
	sel.rel = filepath.ToSlash(filepath.Clean(sel.rel))
	creds, err := gitCredentials()
	if err != nil {
		return err
	}
	branch := o.branch
	if branch == "" {
		if branch, err = remoteDefaultBranch(ctx, o.repo, creds); err != nil {
			return err
		}
	}
	// The app's author is in the clone, which is made after the author
	// is needed: only the flags name one.
	return o.pushTo(ctx, o.repo, branch, creds, o.authorOf(nil), sel, plan, res)
}

// runLocal edits the files in the work tree, and commits or pushes them.
func (o *writeOptions) runLocal(ctx context.Context, path string, plan planFunc, res *imageResult) error {
	local, root, sel, err := o.locate(path)
	if err != nil {
		return err
	}
	if local == nil && (o.commit || o.push) {
		return fmt.Errorf("--commit and --push need a git repository, and %s is in none", root)
	}
	c, err := sel.load(root)
	if err != nil {
		return err
	}
	if o.push {
		return o.pushLocal(ctx, local, sel, o.authorOf(c.one()), plan, res)
	}
	if o.commit {
		if err := checkClean(local, c.paths()); err != nil {
			return err
		}
	}
	targets, err := plan(ctx, c)
	if err != nil {
		return err
	}
	changes, err := image.Set(root, targets)
	res.Changes = changes
	if err != nil || !o.commit || len(changes) == 0 {
		return err
	}
	return o.commitLocal(local, c, changes, res)
}

// locate finds the root the selection (the apps file, or PATH) is
// relative to: the git work tree holding it, or outside git its own
// directory.
func (o *writeOptions) locate(path string) (*localRepo, string, *selection, error) {
	sel := &selection{app: o.app}
	target, dir := o.file, filepath.Dir(o.file)
	if path != "" {
		if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
			hint := ""
			if strings.Contains(path, ":") {
				hint = " (an image is given as IMAGE=TAG)"
			}
			return nil, "", nil, fmt.Errorf("PATH %s: not a directory%s", path, hint)
		}
		target, dir = path, path
		sel.bare, sel.name = true, bareName(path, "", "")
	}
	target, err := filepath.Abs(target)
	if err == nil {
		dir, err = filepath.Abs(dir)
	}
	if err != nil {
		return nil, "", nil, err
	}
	local, err := openLocal(dir)
	if err != nil {
		return nil, "", nil, err
	}
	root := dir
	if local != nil {
		root = local.root
	}
	rel, err := filepath.Rel(root, target)
	if err != nil || !filepath.IsLocal(rel) {
		return nil, "", nil, fmt.Errorf("%s is outside the git work tree %s", target, root)
	}
	sel.rel = filepath.ToSlash(rel)
	return local, root, sel, nil
}

// checkClean refuses a --commit that would take in changes not its own.
func checkClean(local *localRepo, paths []string) error {
	dirty, err := local.uncommitted(paths)
	if err != nil || len(dirty) == 0 {
		return err
	}
	const shown = 5
	list := strings.Join(dirty[:min(len(dirty), shown)], ", ")
	if len(dirty) > shown {
		list += fmt.Sprintf(" and %d more", len(dirty)-shown)
	}
	return fmt.Errorf("--commit: there are changes staged, or below the app's path, that are not committed (%s): commit or stash them first", list)
}

// commitLocal commits the changed files in the local repository.
func (o *writeOptions) commitLocal(local *localRepo, c *checkout, changes []image.Change, res *imageResult) error {
	msg, err := image.Message(c.template(o.message), changes)
	if err != nil {
		return err
	}
	var files []string
	for _, ch := range changes {
		if len(files) == 0 || files[len(files)-1] != ch.File {
			files = append(files, ch.File)
		}
	}
	if res.Commit, err = local.commit(files, msg, o.authorOf(c.one())); err != nil {
		return fmt.Errorf("images set but not committed: %w", err)
	}
	if res.Branch, err = local.branch(); err == nil && res.Branch == "" {
		res.Branch = "a detached HEAD"
	}
	return err
}

// pushLocal pushes to origin's branch checked out, then brings the local
// checkout to the pushed commit.
func (o *writeOptions) pushLocal(ctx context.Context, local *localRepo, sel *selection, author writeback.Signature, plan planFunc, res *imageResult) error {
	url, err := local.origin()
	if err != nil {
		return err
	}
	branch, err := local.branch()
	if err != nil {
		return err
	}
	if branch == "" {
		return errors.New("--push: HEAD is detached; check out the branch to push to, or give --repo URL --branch B")
	}
	creds, err := gitCredentials()
	if err != nil {
		return err
	}
	if err := o.pushTo(ctx, url, branch, creds, author, sel, plan, res); err != nil || !res.Pushed || o.pushBranch != "" {
		// A review branch's commit is not the checked-out branch's.
		return err
	}
	res.Local = local.fastForward(ctx, url, branch, creds, res.Commit)
	return nil
}

// pushTo commits the edit to branch of url with writeback, which retries
// on a fresh clone when the branch moved: the selection and plan are read
// from each clone.
func (o *writeOptions) pushTo(ctx context.Context, url, branch string, creds source.Credentials, author writeback.Signature, sel *selection, plan planFunc, res *imageResult) error {
	var changes []image.Change
	edit := func(ctx context.Context, dir string) (string, error) {
		c, err := sel.load(dir)
		if err != nil {
			return "", err
		}
		targets, err := plan(ctx, c)
		if err != nil {
			return "", err
		}
		return image.Edit(targets, c.template(o.message), &changes)(ctx, dir)
	}
	wb, err := writeback.Commit(ctx, writeback.Options{URL: url, Credentials: creds, Branch: branch, PushBranch: o.pushBranch, Author: author, Depth: o.depth}, edit)
	res.Changes = changes
	res.Commit, res.Branch, res.Pushed, res.Attempts = wb.Commit, wb.Branch, wb.Changed, wb.Attempts
	res.Repository = redact.Text(url)
	return pushError(err)
}

// pushError says, when the server refused a push, what credentials a push
// needs.
func pushError(err error) error {
	if errors.Is(err, source.ErrAuthFailed) {
		return fmt.Errorf("%w (pushing needs credentials with write permission: TUGBOAT_GIT_USERNAME with _PASSWORD or _TOKEN, or an SSH key)", err)
	}
	return err
}

// authorOf is the commit author: the flags, else the app's imageUpdate
// author (when one app is selected), else image.DefaultAuthor.
func (o *writeOptions) authorOf(u *v1alpha1.ImageUpdateSpec) writeback.Signature {
	a := image.Author(u)
	if o.author.Name != "" {
		a.Name = o.author.Name
	}
	if o.author.Email != "" {
		a.Email = o.author.Email
	}
	return a
}

// gitCredentials are the credentials every command takes from the
// environment: TUGBOAT_GIT_*, known_hosts from ~/.ssh by default.
func gitCredentials() (source.Credentials, error) {
	return (&renderOptions{}).credentials()
}
