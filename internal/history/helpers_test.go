package history

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// deleted, as a file's content, removes it.
const deleted = "\x00deleted"

// testRepo is a go-git repository in a temporary directory whose commits
// are one minute apart.
type testRepo struct {
	t    *testing.T
	dir  string
	repo *gogit.Repository
	wt   *gogit.Worktree
	when time.Time
}

func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	dir := t.TempDir()
	repo, err := gogit.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	return &testRepo{t: t, dir: dir, repo: repo, wt: wt, when: time.Unix(1700000000, 0).UTC()}
}

// commit writes files (path -> content, or deleted) and commits them with
// msg as author; parents, when given, replace HEAD as the parents.
func (r *testRepo) commit(author, msg string, files map[string]string, parents ...plumbing.Hash) plumbing.Hash {
	r.t.Helper()
	for rel, content := range files {
		p := filepath.Join(r.dir, filepath.FromSlash(rel))
		if content == deleted {
			if _, err := r.wt.Remove(rel); err != nil {
				r.t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			r.t.Fatal(err)
		}
		if _, err := r.wt.Add(rel); err != nil {
			r.t.Fatal(err)
		}
	}
	r.when = r.when.Add(time.Minute)
	sig := &object.Signature{Name: author, Email: author + "@example.com", When: r.when}
	h, err := r.wt.Commit(msg, &gogit.CommitOptions{Author: sig, Committer: sig, Parents: parents, AllowEmptyCommits: true})
	if err != nil {
		r.t.Fatal(err)
	}
	return h
}

// withParents stores a copy of commit h with other parents, the way a
// shallow clone's history ends at a parent it does not hold.
func (r *testRepo) withParents(h plumbing.Hash, parents ...plumbing.Hash) plumbing.Hash {
	r.t.Helper()
	c, err := r.repo.CommitObject(h)
	if err != nil {
		r.t.Fatal(err)
	}
	c.ParentHashes = parents
	obj := r.repo.Storer.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		r.t.Fatal(err)
	}
	out, err := r.repo.Storer.SetEncodedObject(obj)
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}
