package git

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/source/gittransport"
)

// The refspecs of a full fetch. Only branches and tags are fetched, so a
// commit reachable from other refs alone (pull requests) is not found.
var allRefSpecs = []config.RefSpec{
	"+refs/heads/*:refs/heads/*",
	"+refs/tags/*:refs/tags/*",
}

// Fetch depths. go-git cannot ask for a thin pack, and without one a
// server that cuts the history at the new tip (depth 1) sends the tip's
// whole tree again. Deepening by incrementalDepth instead keeps the
// previous tip in the walk, so only new objects come, as long as the ref
// moved by fewer commits than that; the first such fetch also brings up to
// incrementalDepth commits of older history, once. unshallowDepth is git's
// "infinite" depth, which fetches the full history.
const (
	incrementalDepth = 20
	unshallowDepth   = 1<<31 - 1
)

// maxTagChain bounds how many annotated tags pointing at tags are peeled.
const maxTagChain = 10

// session is one Fetch: its auth and, once the cache is locked, the cached
// repository.
type session struct {
	src  *Source
	auth *gittransport.Session
	repo *gogit.Repository
}

// remote is the repository's remote, fetching into repo; nil means into
// memory, for listing only.
func (s *session) remote(repo *gogit.Repository) *gogit.Remote {
	cfg := &config.RemoteConfig{Name: "origin", URLs: []string{s.src.ep.URL}}
	if repo == nil {
		return gogit.NewRemote(memory.NewStorage(), cfg)
	}
	return gogit.NewRemote(repo.Storer, cfg)
}

// resolve lists the remote's refs (one ref advertisement, which also checks
// the credentials) and resolves the Ref against them.
func (s *session) resolve(ctx context.Context) (target, error) {
	refs, err := s.remote(nil).ListContext(ctx, &gogit.ListOptions{Auth: s.auth.Method, PeelingOption: gogit.AppendPeeled})
	if err != nil {
		return target{}, s.auth.Classify(err)
	}
	return resolve(s.src.ref, indexRefs(refs))
}

// fetch fetches specs into the cached repository.
func (s *session) fetch(ctx context.Context, specs []config.RefSpec, depth int) error {
	err := s.remote(s.repo).FetchContext(ctx, &gogit.FetchOptions{
		RefSpecs: specs, Depth: depth, Auth: s.auth.Method, Tags: gogit.NoTags, Force: true,
	})
	if err != nil && !errors.Is(err, gogit.NoErrAlreadyUpToDate) {
		return s.auth.Classify(err)
	}
	if depth != 0 {
		return fixShallow(s.repo)
	}
	return nil
}

// ensure makes the target's commit present in the cached repository,
// fetching only when it is not, and returns its full SHA.
func (s *session) ensure(ctx context.Context, t target) (string, error) {
	if t.commit != "" && hasCommit(s.repo, t.commit) {
		return t.commit, nil
	}
	if t.prefix != "" {
		if commit, err := findPrefix(s.repo, t.prefix); err != nil || commit != "" {
			return commit, err
		}
	}
	if t.remote != "" {
		return s.fetchTip(ctx, t)
	}
	return s.fetchAll(ctx, t)
}

// fetchTip fetches one branch or tag (see fetchDepth). A branch or tag
// that moved since it was listed resolves to where it is now.
func (s *session) fetchTip(ctx context.Context, t target) (string, error) {
	spec := config.RefSpec(fmt.Sprintf("+%s:%s", t.remote, t.remote))
	if err := s.fetch(ctx, []config.RefSpec{spec}, fetchDepth(s.repo)); err != nil {
		return "", err
	}
	commit, err := refCommit(s.repo, t.remote)
	if err != nil || t.label != "" {
		return commit, err
	}
	if hasCommit(s.repo, t.commit) {
		return t.commit, nil
	}
	return s.fetchAll(ctx, t)
}

// fetchAll fetches the full history of every branch and tag, for a commit
// at no tip; a shallow repository is deepened to the full history.
func (s *session) fetchAll(ctx context.Context, t target) (string, error) {
	depth := 0
	if isShallow(s.repo) {
		depth = unshallowDepth
	}
	if err := s.fetch(ctx, allRefSpecs, depth); err != nil {
		return "", err
	}
	commit := t.commit
	if t.prefix != "" {
		var err error
		if commit, err = findPrefix(s.repo, t.prefix); err != nil {
			return "", err
		}
	}
	if commit == "" || !hasCommit(s.repo, commit) {
		return "", &source.Error{Kind: source.ErrNotFound,
			Msg: fmt.Sprintf("commit %s not found in any branch or tag", cmp.Or(t.commit, t.prefix))}
	}
	return commit, nil
}

func hasCommit(repo *gogit.Repository, sha string) bool {
	_, err := repo.CommitObject(plumbing.NewHash(sha))
	return err == nil
}

func isShallow(repo *gogit.Repository) bool {
	shallow, err := repo.Storer.Shallow()
	return err != nil || len(shallow) > 0
}

// fixShallow drops from the shallow list the commits whose parents are
// all present now. go-git adds the commits a deepening fetch cuts at but
// ignores the ones the server says it no longer cuts at; a server told
// that those are still shallow would send their history again.
func fixShallow(repo *gogit.Repository) error {
	shallow, err := repo.Storer.Shallow()
	if err != nil {
		return fmt.Errorf("read shallow commits: %w", err)
	}
	var keep []plumbing.Hash
	for _, h := range shallow {
		c, err := repo.CommitObject(h)
		if err != nil {
			continue
		}
		for _, p := range c.ParentHashes {
			if !hasCommit(repo, p.String()) {
				keep = append(keep, h)
				break
			}
		}
	}
	if err := repo.Storer.SetShallow(keep); err != nil {
		return fmt.Errorf("write shallow commits: %w", err)
	}
	return nil
}

// fetchDepth chooses the depth of a fetch of one ref: only its tip into an
// empty repository, what is new into a shallow one (see incrementalDepth),
// and the full history into a full one, which stays full.
func fetchDepth(repo *gogit.Repository) int {
	switch {
	case isShallow(repo):
		return incrementalDepth
	case isEmpty(repo):
		return 1
	}
	return 0
}

// isEmpty reports whether the repository has no branch or tag.
func isEmpty(repo *gogit.Repository) bool {
	refs, err := repo.References()
	if err != nil {
		return true
	}
	defer refs.Close()
	empty := true
	_ = refs.ForEach(func(r *plumbing.Reference) error {
		if r.Name().IsBranch() || r.Name().IsTag() {
			empty = false
		}
		return nil
	})
	return empty
}

// refCommit returns the commit a local ref points to, peeling tags.
func refCommit(repo *gogit.Repository, name plumbing.ReferenceName) (string, error) {
	ref, err := repo.Storer.Reference(name)
	if err != nil {
		return "", fmt.Errorf("read fetched %s: %w", name, err)
	}
	h := ref.Hash()
	for range maxTagChain {
		tag, err := repo.TagObject(h)
		if err != nil {
			break
		}
		h = tag.Target
	}
	if _, err := repo.CommitObject(h); err != nil {
		return "", fmt.Errorf("%s does not point to a commit: %w", name, err)
	}
	return h.String(), nil
}

// findPrefix returns the one commit of the cached repository whose SHA
// starts with prefix, or "" if there is none.
func findPrefix(repo *gogit.Repository, prefix string) (string, error) {
	finder, ok := repo.Storer.(interface {
		HashesWithPrefix(prefix []byte) ([]plumbing.Hash, error)
	})
	if !ok {
		return "", nil
	}
	// Whole bytes only: the odd hex digit is checked on the strings.
	b, err := hex.DecodeString(prefix[:len(prefix)&^1])
	if err != nil {
		return "", fmt.Errorf("invalid commit %q", prefix)
	}
	hashes, err := finder.HashesWithPrefix(b)
	if err != nil {
		return "", fmt.Errorf("look up commit %s: %w", prefix, err)
	}
	var found []string
	for _, h := range hashes {
		if strings.HasPrefix(h.String(), prefix) && hasCommit(repo, h.String()) {
			found = append(found, h.String())
		}
	}
	if len(found) > 1 {
		return "", fmt.Errorf("abbreviated commit %s is ambiguous: it matches %d commits", prefix, len(found))
	}
	if len(found) == 0 {
		return "", nil
	}
	return found[0], nil
}
