package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/tugboat-gitops/tugboat/internal/image/writeback"
	"github.com/tugboat-gitops/tugboat/internal/redact"
	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/source/gittransport"
)

// localRepo is the git repository of the working directory, through
// go-git: tug needs no git binary.
type localRepo struct {
	repo *gogit.Repository
	wt   *gogit.Worktree
	root string
}

// openLocal opens the repository whose work tree holds dir; nil when dir
// is in none.
func openLocal(dir string) (*localRepo, error) {
	repo, err := gogit.PlainOpenWithOptions(dir, &gogit.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, gogit.ErrRepositoryNotExists) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open the git repository of %s: %w", dir, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return nil, fmt.Errorf("open the git work tree of %s: %w", dir, err)
	}
	return &localRepo{repo: repo, wt: wt, root: wt.Filesystem.Root()}, nil
}

// branch is the branch checked out; "" for a detached HEAD.
func (l *localRepo) branch() (string, error) {
	head, err := l.repo.Head()
	if err != nil {
		return "", fmt.Errorf("read HEAD: %w", err)
	}
	if !head.Name().IsBranch() {
		return "", nil
	}
	return head.Name().Short(), nil
}

// origin returns the URL of the remote origin, which --push pushes to.
func (l *localRepo) origin() (string, error) {
	r, err := l.repo.Remote(gogit.DefaultRemoteName)
	if err != nil || len(r.Config().URLs) == 0 {
		return "", errors.New("the local repository has no remote origin to push to; give --repo URL")
	}
	return r.Config().URLs[0], nil
}

// uncommitted lists, sorted, what --commit would sweep into its commit or
// what it would commit over: anything staged, and any change (untracked
// files included) below paths.
func (l *localRepo) uncommitted(paths []string) ([]string, error) {
	status, err := l.wt.Status()
	if err != nil {
		return nil, fmt.Errorf("read the git status: %w", err)
	}
	var out []string
	for file, st := range status {
		staged := st.Staging != gogit.Unmodified && st.Staging != gogit.Untracked
		if staged || st.Worktree != gogit.Unmodified && below(file, paths) {
			out = append(out, file)
		}
	}
	slices.Sort(out)
	return out, nil
}

// modified reports whether a tracked file differs from HEAD, staged or not.
func (l *localRepo) modified() (bool, error) {
	status, err := l.wt.Status()
	if err != nil {
		return false, fmt.Errorf("read the git status: %w", err)
	}
	for _, st := range status {
		for _, code := range []gogit.StatusCode{st.Staging, st.Worktree} {
			if code != gogit.Unmodified && code != gogit.Untracked {
				return true, nil
			}
		}
	}
	return false, nil
}

func below(file string, dirs []string) bool {
	for _, d := range dirs {
		if d == "." || file == d || strings.HasPrefix(file, d+"/") {
			return true
		}
	}
	return false
}

// commit stages files (slash-separated, relative to the root) and commits
// them, returning the new commit's SHA.
func (l *localRepo) commit(files []string, msg string, author writeback.Signature) (string, error) {
	for _, f := range files {
		if _, err := l.wt.Add(f); err != nil {
			return "", fmt.Errorf("stage %s: %w", f, err)
		}
	}
	sig := &object.Signature{Name: author.Name, Email: author.Email, When: time.Now()}
	h, err := l.wt.Commit(msg, &gogit.CommitOptions{Author: sig, Committer: sig})
	if err != nil {
		return "", fmt.Errorf("commit: %w", err)
	}
	return h.String(), nil
}

// fastForward brings the local branch to what was pushed, as git pull
// would, when the work tree has no changes and the branch has no commits
// the remote lacks. It says what it did; a failure here is not the
// command's, whose push is done.
func (l *localRepo) fastForward(ctx context.Context, url, branch string, creds source.Credentials, pushed string) string {
	leftAt := fmt.Sprintf("the local checkout was left as it is (git pull gets %s)", shortSHA(pushed))
	if dirty, err := l.modified(); err != nil || dirty {
		return leftAt + ": it has uncommitted changes"
	}
	ep, auth, err := remoteAuth(url, creds)
	if err != nil {
		return leftAt + ": " + err.Error()
	}
	sess := auth.Session()
	err = l.wt.PullContext(ctx, &gogit.PullOptions{RemoteName: gogit.DefaultRemoteName, RemoteURL: ep.URL,
		ReferenceName: plumbing.NewBranchReferenceName(branch), Auth: sess.Method})
	switch {
	case errors.Is(err, gogit.ErrNonFastForwardUpdate):
		return leftAt + fmt.Sprintf(": the local %s has commits the remote lacks", branch)
	case err != nil && !errors.Is(err, gogit.NoErrAlreadyUpToDate):
		err = source.RedactError(sess.Classify(err), append(creds.Secrets(), ep.Secrets()...)...)
		return leftAt + ": " + err.Error()
	}
	head, err := l.repo.Head()
	if err != nil {
		return leftAt + ": " + err.Error()
	}
	return fmt.Sprintf("the local %s is now at %s", branch, shortSHA(head.Hash().String()))
}

// remoteAuth parses url and prepares creds for it.
func remoteAuth(url string, creds source.Credentials) (gittransport.Endpoint, *gittransport.Auth, error) {
	ep, err := gittransport.ParseEndpoint(url)
	if err != nil {
		return ep, nil, err
	}
	auth, err := gittransport.NewAuth(ep, creds)
	if err != nil {
		return ep, nil, source.RedactError(err, append(creds.Secrets(), ep.Secrets()...)...)
	}
	return ep, auth, nil
}

// remoteDefaultBranch is the branch the remote's HEAD names, where --repo
// pushes without --branch.
func remoteDefaultBranch(ctx context.Context, url string, creds source.Credentials) (string, error) {
	refs, err := listRemote(ctx, url, creds)
	if err != nil {
		return "", err
	}
	return headBranch(url, refs)
}

// listRemote lists the remote's references, as git ls-remote does, with
// annotated tags' commits appended ("refs/tags/v1^{}").
func listRemote(ctx context.Context, url string, creds source.Credentials) ([]*plumbing.Reference, error) {
	ep, auth, err := remoteAuth(url, creds)
	if err != nil {
		return nil, err
	}
	sess := auth.Session()
	remote := gogit.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: gogit.DefaultRemoteName, URLs: []string{ep.URL}})
	refs, err := remote.ListContext(ctx, &gogit.ListOptions{Auth: sess.Method, PeelingOption: gogit.AppendPeeled})
	if err != nil {
		err = fmt.Errorf("list the branches of %s: %w", ep.URL, sess.Classify(err))
		return nil, source.RedactError(err, append(creds.Secrets(), ep.Secrets()...)...)
	}
	return refs, nil
}

// headBranch is the branch the remote HEAD of refs names.
func headBranch(url string, refs []*plumbing.Reference) (string, error) {
	for _, r := range refs {
		if r.Name() == plumbing.HEAD && r.Type() == plumbing.SymbolicReference && r.Target().IsBranch() {
			return r.Target().Short(), nil
		}
	}
	return "", fmt.Errorf("%s: the remote HEAD names no branch; give --branch", redact.Text(url))
}
