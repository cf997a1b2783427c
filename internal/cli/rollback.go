package cli

import (
	"context"
	"errors"
	"fmt"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/image"
	"github.com/tugboat-gitops/tugboat/internal/image/writeback"
	"github.com/tugboat-gitops/tugboat/internal/revert"
)

// rollbackOptions are the flags of tug rollback.
type rollbackOptions struct {
	file        string
	app         string
	application string
	namespace   string
	to          string
	revert      string
	restore     bool
	apply       bool
	repo        string
	branch      string
	author      writeback.Signature
	sync        syncFlags
}

func newRollbackCommand(g *GlobalOptions) *cobra.Command {
	o := &rollbackOptions{}
	cmd := &cobra.Command{
		Use:   "rollback [APP | --app NAME | --application NAME] [--to REV [--restore] | --revert REV] [--apply]",
		Short: "Undo an app's last changes in git with revert commits, and push them",
		Long: `Undo changes to an app's path with new commits, as git revert does, and push
them; history is never rewritten.

Without --to, the last commit that touched the app's path is reverted. With
--to REV (a commit or a prefix of one, a tag, HEAD~3), every commit after REV
that touched the path is reverted, newest first, one revert commit each.
History is followed by first parents: a merge counts as one change, reverted
against its first parent. Only the app's path is reverted: a commit that also
changed another app keeps that app's part. --revert REV reverts that one
commit alone, keeping the commits after it; a file it changed that changed
again since is a conflict: the command names the files and pushes nothing.
--restore --to REV instead makes one commit that sets the app's path as it was
at REV, whatever happened since.

APP (or --app) is an app of tugboat.yaml (-f) in the local checkout: its
origin's branch checked out is cloned, reverted and pushed (redoing the
reverts on the new head if someone pushed first), and the local branch is
fast-forwarded when its work tree is clean. --repo URL does the same without a
local checkout, reading tugboat.yaml in the clone. An app whose repo: is
another repository is rolled back there, on the branch its ref names.
--apply then applies the app as tug apply --app does (push mode).

--application NAME rolls back an Application of the cluster (pull mode): its
spec's repository, branch and path; the controller deploys the revert.

Git credentials come from TUGBOAT_GIT_* (for an Application without them, its
secretRef's) and are never printed.`,
		Example: `  tug rollback web
  tug rollback web --to v1.4.0 --apply --wait
  tug rollback --repo https://git.example.com/env.git --app web --restore --to 3f2a9c1
  tug rollback --application web -n apps`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, g, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.file, "file", "f", v1alpha1.FileName, "the repository's apps file (with --repo, its path in the repository)")
	f.StringVar(&o.app, "app", "", "the app of the apps file to roll back (or give it as APP)")
	f.StringVar(&o.application, "application", "", "the Application of the cluster to roll back (pull mode)")
	f.StringVarP(&o.namespace, "namespace", "n", "", "with --application, its namespace (default: the context's)")
	f.StringVar(&o.to, "to", "", "revert every commit after REV that touched the app (default: the last one); with --restore, the revision to restore")
	f.StringVar(&o.revert, "revert", "", "revert only REV's changes to the app (as git revert REV), keeping the commits after it; refused, naming the files, when they changed again since")
	f.BoolVar(&o.restore, "restore", false, "one commit setting the app's path as it was at --to REV, instead of reverts")
	f.BoolVar(&o.apply, "apply", false, "after the push, apply the app as tug apply --app does (push mode), with --wait, --timeout, --prune and the other sync flags of tug apply")
	f.StringVar(&o.repo, "repo", "", "the git repository to clone, roll back and push, instead of the local checkout's origin")
	f.StringVar(&o.branch, "branch", "", "with --repo or --application, the branch to roll back (default: the remote's HEAD, or the Application's ref)")
	f.StringVar(&o.author.Name, "author-name", "", "commit author's name (default: "+image.DefaultAuthor.Name+")")
	f.StringVar(&o.author.Email, "author-email", "", "commit author's email (default: "+image.DefaultAuthor.Email+")")
	o.sync.addFlags(cmd, true)
	return cmd
}

// syncFlagNames are the flags of syncFlags, which only --apply uses.
var syncFlagNames = []string{"prune", "allow-empty", "adopt", "force-conflicts", "force-recreate", "concurrency", "wait", "timeout"}

// validate checks the flags that go together, before any work, and
// takes APP into --app.
func (o *rollbackOptions) validate(args []string) error {
	if len(args) == 1 {
		if o.app != "" && o.app != args[0] {
			return fmt.Errorf("APP %s and --app %s differ: give one", args[0], o.app)
		}
		o.app = args[0]
	}
	switch {
	case o.app == "" && o.application == "":
		return errors.New("give the app to roll back: APP, --app NAME or --application NAME")
	case o.app != "" && o.application != "":
		return errors.New("give an app of the apps file or --application, not both")
	case o.application != "" && o.repo != "":
		return errors.New("--application reads the repository from the Application's spec: --repo goes without it")
	case o.application != "" && o.apply:
		return errors.New("the controller applies an Application's revert: --apply is for apps of the apps file (push mode)")
	case o.repo != "" && o.apply:
		return errors.New("--apply applies the local checkout, as tug apply --app does: it goes without --repo")
	case o.branch != "" && o.repo == "" && o.application == "":
		return errors.New("--branch goes with --repo or --application: a local rollback goes to the branch checked out")
	case o.restore && o.to == "":
		return errors.New("--restore needs --to REV, the revision to restore")
	case o.revert != "" && (o.to != "" || o.restore):
		return errors.New("--revert REV reverts one commit: it goes without --to and --restore")
	}
	return nil
}

// authorOf is the commit author: the flags, else image.DefaultAuthor.
func (o *rollbackOptions) authorOf() writeback.Signature {
	a := image.DefaultAuthor
	if o.author.Name != "" {
		a.Name = o.author.Name
	}
	if o.author.Email != "" {
		a.Email = o.author.Email
	}
	return a
}

func (o *rollbackOptions) run(cmd *cobra.Command, g *GlobalOptions, args []string) error {
	if err := o.validate(args); err != nil {
		return err
	}
	for _, name := range syncFlagNames {
		if f := cmd.Flag(name); f != nil && f.Changed && !o.apply {
			return fmt.Errorf("--%s goes with --apply", name)
		}
	}
	ctx := cmd.Context()
	t, err := o.target(ctx, g)
	if err != nil {
		return err
	}
	res := &rollbackResult{App: t.name, Application: t.application, Repository: t.display, Branch: t.branch}
	author := o.authorOf()
	// Full history: the reverts read it.
	wb, err := writeback.Commit(ctx, writeback.Options{URL: t.url, Credentials: t.creds, Branch: t.branch,
		Author: author, Depth: -1}, o.edit(t, author, res))
	res.Commit, res.Pushed, res.Attempts = wb.Commit, wb.Changed, wb.Attempts
	var conflict *revert.ConflictError
	if errors.As(err, &conflict) {
		return fmt.Errorf("nothing pushed: %w (--restore --to REV sets the app's files as they were at REV instead)", err)
	}
	if err != nil {
		return pushError(err)
	}
	if res.Pushed && t.local != nil {
		res.Local = t.local.fastForward(ctx, t.url, t.branch, t.creds, res.Commit)
	}
	if !o.apply || !res.Pushed {
		return g.Print(res)
	}
	return o.applyAfter(cmd, g, t, res)
}

// edit is the write-back edit: the reverts, or the restore, made as
// commits in the clone. It runs again on a fresh clone when the branch
// moved, so it fills res anew each time.
func (o *rollbackOptions) edit(t *rollbackTarget, author writeback.Signature, res *rollbackResult) writeback.Edit {
	return func(_ context.Context, dir string) (string, error) {
		res.Reverted, res.Restored = nil, nil
		path, err := t.appPath(dir)
		if err != nil {
			return "", err
		}
		res.Path = path
		opts := revert.Options{Path: path, Author: object.Signature{Name: author.Name, Email: author.Email}}
		if o.restore {
			r, err := revert.Restore(dir, opts, t.revision(o.to))
			res.Restored = &r
			return "", err
		}
		commits, err := o.toRevert(dir, t, path)
		if err != nil {
			return "", err
		}
		res.Reverted, err = revert.Revert(dir, opts, commits...)
		if err == nil && o.revert != "" && len(res.Reverted) == 0 {
			err = fmt.Errorf("%s changed nothing below %s: nothing to roll back", o.revert, path)
		}
		return "", err
	}
}

// toRevert lists the commits of the clone at dir to revert: the last that
// touched path, those after --to, or --revert's.
func (o *rollbackOptions) toRevert(dir string, t *rollbackTarget, path string) ([]*object.Commit, error) {
	repo, err := gogit.PlainOpen(dir)
	if err != nil {
		return nil, fmt.Errorf("open the clone: %w", err)
	}
	head, err := repo.Head()
	if err != nil {
		return nil, fmt.Errorf("read the clone's HEAD: %w", err)
	}
	if o.revert != "" {
		rev := t.revision(o.revert)
		// Checks that the commit is on the branch's first-parent history.
		if _, err := revert.Commits(repo, head.Hash(), path, rev); err != nil {
			return nil, err
		}
		h, err := repo.ResolveRevision(plumbing.Revision(rev))
		if err != nil {
			return nil, fmt.Errorf("revision %q: %w", o.revert, err)
		}
		c, err := repo.CommitObject(*h)
		if err != nil {
			return nil, fmt.Errorf("revision %q: %w", o.revert, err)
		}
		return []*object.Commit{c}, nil
	}
	commits, err := revert.Commits(repo, head.Hash(), path, t.revision(o.to))
	if err == nil && len(commits) == 0 && o.to == "" {
		err = fmt.Errorf("no commit of %s touched %s: nothing to roll back", t.branch, path)
	}
	return commits, err
}

// applyAfter applies the pushed app as tug apply --app does. The local
// checkout is what tug apply reads, so it must be at the pushed commit.
func (o *rollbackOptions) applyAfter(cmd *cobra.Command, g *GlobalOptions, t *rollbackTarget, res *rollbackResult) error {
	if t.local != nil {
		head, err := t.local.repo.Head()
		if err != nil || head.Hash().String() != res.Commit {
			if perr := g.Print(res); perr != nil {
				return perr
			}
			return fmt.Errorf("pushed %s, but not applied: the local checkout is not at it (%s); git pull, then tug apply --app %s", shortSHA(res.Commit), res.Local, o.app)
		}
	}
	targets, err := (&appOptions{file: o.file, app: o.app}).targets(g, cmd, nil)
	if err != nil {
		if perr := g.Print(res); perr != nil {
			return perr
		}
		return fmt.Errorf("pushed %s, but not applied: %w", shortSHA(res.Commit), err)
	}
	if g.Output == OutputText {
		// Text goes out as it happens: the push first, then each object.
		if err := g.Print(res); err != nil {
			return err
		}
		results, err := applyTargets(cmd.Context(), g, &o.sync, targets)
		if perr := g.Print(&applyOutput{Results: results}); perr != nil {
			return perr
		}
		return err
	}
	res.Applied, err = applyTargets(cmd.Context(), g, &o.sync, targets)
	if perr := g.Print(res); perr != nil {
		return perr
	}
	return err
}
