package cli

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/tugboat-gitops/tugboat/internal/history"
	"github.com/tugboat-gitops/tugboat/internal/redact"
	"github.com/tugboat-gitops/tugboat/internal/source"
	gitsource "github.com/tugboat-gitops/tugboat/internal/source/git"
)

// historyRepo is where an app's history is read: a repository, the commit
// whose first parents are walked, and the app's path in it.
type historyRepo struct {
	repo *gogit.Repository
	head plumbing.Hash
	path string
	// fetched is set for a repository of the fetch cache, which can be
	// deepened.
	fetched *fetchedRepo
	// notes say what could not be read.
	notes []string
}

// fetchedRepo is a repository of the cache every tug fetch shares.
type fetchedRepo struct {
	url      string
	creds    source.Credentials
	dir      string
	deepened bool
}

// fetchHistory fetches ref of url as every tug fetch does (only what the
// cache lacks; the first fetch of a branch is its tip alone) and opens the
// cached repository, with dir the app's path in it.
func fetchHistory(ctx context.Context, url, ref, dir string, creds source.Credentials) (*historyRepo, error) {
	r, err := gitsource.ParseRef(ref)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", redact.Text(url), err)
	}
	s, err := gitsource.New(gitsource.Options{URL: url, Ref: r, Credentials: creds})
	if err != nil {
		return nil, err
	}
	art, err := s.Fetch(ctx)
	if err != nil {
		return nil, err
	}
	// The checkout is <entry>/checkouts/<commit>; the entry's bare
	// repository, <entry>/repo.git, is a plain go-git repository (see the
	// cache layout in internal/source/git).
	f := &fetchedRepo{url: url, creds: creds, dir: filepath.Join(filepath.Dir(filepath.Dir(art.Dir)), "repo.git")}
	repo, err := f.open()
	if err != nil {
		return nil, err
	}
	return &historyRepo{repo: repo, head: plumbing.NewHash(art.Commit), path: path.Clean("./" + dir), fetched: f}, nil
}

func (f *fetchedRepo) open() (*gogit.Repository, error) {
	repo, err := gogit.PlainOpen(f.dir)
	if err != nil {
		return nil, fmt.Errorf("open the cached repository of %s: %w", redact.Text(f.url), err)
	}
	return repo, nil
}

// localHistory opens the checkout holding dir, an app's absolute
// directory, at its HEAD.
func localHistory(dir string) (*historyRepo, error) {
	local, err := openLocal(dir)
	if err != nil {
		return nil, err
	}
	if local == nil {
		return nil, fmt.Errorf("%s is in no git repository: there is no history to read", dir)
	}
	rel, err := filepath.Rel(local.root, dir)
	if err != nil || !filepath.IsLocal(rel) {
		return nil, fmt.Errorf("%s is outside the git work tree %s", dir, local.root)
	}
	head, err := local.repo.Head()
	if err != nil {
		return nil, fmt.Errorf("git repository %s: HEAD: %w", local.root, err)
	}
	return &historyRepo{repo: local.repo, head: head.Hash(), path: filepath.ToSlash(rel)}, nil
}

// deepen fetches the full history of a cached repository, once: a fetch
// of a commit the cache lacks fetches every branch and tag to their
// roots. It reports whether there may be more to read now. A commit on no
// branch or tag any more stays not fetched; a failed fetch is a note,
// the history read so far still stands.
func (h *historyRepo) deepen(ctx context.Context, missing plumbing.Hash) bool {
	f := h.fetched
	if f == nil || f.deepened {
		return false
	}
	f.deepened = true
	s, err := gitsource.New(gitsource.Options{URL: f.url, Ref: gitsource.Ref{Commit: missing.String()}, Credentials: f.creds})
	if err == nil {
		_, err = s.Fetch(ctx)
	}
	if err == nil || errors.Is(err, source.ErrNotFound) {
		// The fetch wrote new packs, which an open repository does not see.
		h.repo, err = f.open()
	}
	if err != nil {
		h.notes = append(h.notes, fmt.Sprintf("the full history could not be fetched: %v", err))
		return false
	}
	return true
}

// log reads the path's log, deepening a cached repository once when the
// walk ends at a commit not fetched.
func (h *historyRepo) log(ctx context.Context, opts history.Options) (*history.Log, error) {
	opts.Path = h.path
	for {
		log, err := history.Read(h.repo, h.head, opts)
		if err != nil || log.Missing.IsZero() || !h.deepen(ctx, log.Missing) {
			return log, err
		}
	}
}

// commit reads commit c, deepening a cached repository once when it does
// not hold it; ok is false when it still does not.
func (h *historyRepo) commit(ctx context.Context, c plumbing.Hash) (commit history.Commit, ok bool, err error) {
	for {
		commit, err = history.Lookup(h.repo, c)
		if !errors.Is(err, plumbing.ErrObjectNotFound) {
			return commit, err == nil, err
		}
		if !h.deepen(ctx, c) {
			return history.Commit{}, false, nil
		}
	}
}
