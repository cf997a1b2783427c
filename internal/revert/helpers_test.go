package revert

import (
	"cmp"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/tugboat-gitops/tugboat/internal/history"
)

// author signs every commit of the tests, at a fixed time.
var author = object.Signature{Name: "Tugboat Test", Email: "test@tugboat.invalid", When: time.Unix(1700000000, 0)}

// Special contents for testRepo.commit.
const (
	deleted = "\x00deleted"
	// execPrefix marks content written executable.
	execPrefix = "\x00exec:"
	// linkPrefix marks a symlink to what follows.
	linkPrefix = "\x00link:"
)

// testRepo is a go-git repository in a temporary directory.
type testRepo struct {
	t    *testing.T
	dir  string
	repo *gogit.Repository
	wt   *gogit.Worktree
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
	return &testRepo{t: t, dir: dir, repo: repo, wt: wt}
}

// commit writes files (path -> content, or a special content) and commits
// everything with msg; parents, when given, make a merge.
func (r *testRepo) commit(msg string, files map[string]string, parents ...plumbing.Hash) plumbing.Hash {
	r.t.Helper()
	r.write(files)
	if err := r.wt.AddWithOptions(&gogit.AddOptions{All: true}); err != nil {
		r.t.Fatal(err)
	}
	h, err := r.wt.Commit(msg, &gogit.CommitOptions{Author: &author, Committer: &author, Parents: parents})
	if err != nil {
		r.t.Fatal(err)
	}
	return h
}

// write changes the work tree only.
func (r *testRepo) write(files map[string]string) {
	r.t.Helper()
	// Deletions first, so a file can make way for a directory.
	names := slices.SortedFunc(maps.Keys(files), func(a, b string) int {
		return cmp.Or(cmp.Compare(deletedRank(files[b]), deletedRank(files[a])), strings.Compare(a, b))
	})
	for _, rel := range names {
		content := files[rel]
		p := filepath.Join(r.dir, filepath.FromSlash(rel))
		if content == deleted {
			// Unstaged here: go-git's add-all fails on a file that
			// became a directory.
			if _, err := r.wt.Remove(rel); err != nil {
				r.t.Fatal(err)
			}
			continue
		}
		if err := os.RemoveAll(p); err != nil {
			r.t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatal(err)
		}
		var err error
		switch {
		case strings.HasPrefix(content, linkPrefix):
			err = os.Symlink(strings.TrimPrefix(content, linkPrefix), p)
		case strings.HasPrefix(content, execPrefix):
			err = os.WriteFile(p, []byte(strings.TrimPrefix(content, execPrefix)), 0o755)
		default:
			err = os.WriteFile(p, []byte(content), 0o644)
		}
		if err != nil {
			r.t.Fatal(err)
		}
	}
}

func deletedRank(content string) int {
	if content == deleted {
		return 1
	}
	return 0
}

// checkout moves HEAD to branch (created at from when not zero).
func (r *testRepo) checkout(branch string, from plumbing.Hash) {
	r.t.Helper()
	opts := &gogit.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(branch)}
	if !from.IsZero() {
		opts.Hash, opts.Create = from, true
	}
	if err := r.wt.Checkout(opts); err != nil {
		r.t.Fatal(err)
	}
}

func (r *testRepo) head() plumbing.Hash {
	r.t.Helper()
	ref, err := r.repo.Head()
	if err != nil {
		r.t.Fatal(err)
	}
	return ref.Hash()
}

// subtree is the hash of dir's entry in commit h's tree, zero if none.
func (r *testRepo) subtree(h plumbing.Hash, dir string) plumbing.Hash {
	r.t.Helper()
	c, err := r.repo.CommitObject(h)
	if err != nil {
		r.t.Fatal(err)
	}
	e, err := history.EntryAt(c, dir)
	if err != nil {
		r.t.Fatal(err)
	}
	return e.Hash
}

// message is commit h's message.
func (r *testRepo) message(h string) string {
	r.t.Helper()
	c, err := r.repo.CommitObject(plumbing.NewHash(h))
	if err != nil {
		r.t.Fatal(err)
	}
	return c.Message
}

// files reads the work tree (without .git): path -> content, symlinks as
// linkPrefix+target and executables as execPrefix+content.
func (r *testRepo) files() map[string]string {
	r.t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(r.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Name() == ".git" {
			if err == nil {
				err = filepath.SkipDir
			}
			return err
		}
		rel, _ := filepath.Rel(r.dir, p)
		info, err := d.Info()
		switch {
		case err != nil:
			return err
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			out[filepath.ToSlash(rel)] = linkPrefix + target
			return err
		case d.IsDir():
			return nil
		}
		data, err := os.ReadFile(p)
		prefix := ""
		if info.Mode()&0o111 != 0 {
			prefix = execPrefix
		}
		out[filepath.ToSlash(rel)] = prefix + string(data)
		return err
	})
	if err != nil && !errors.Is(err, filepath.SkipDir) {
		r.t.Fatal(err)
	}
	return out
}

// commits reads hashes into commits of r.
func (r *testRepo) commits(hashes ...plumbing.Hash) []*object.Commit {
	r.t.Helper()
	out := make([]*object.Commit, len(hashes))
	for i, h := range hashes {
		c, err := r.repo.CommitObject(h)
		if err != nil {
			r.t.Fatal(err)
		}
		out[i] = c
	}
	return out
}

// twoApps is a repository with two apps:
//
//	c1 init     web/a=1 web/b=1 api/a=1
//	c2 web 2    web/a=2            (tag v1)
//	c3 api 2    api/a=2
//	c4 both 3   web/a=3 api/a=3
//	c5 readme   README
type twoApps struct {
	*testRepo
	c [6]plumbing.Hash // c[1] to c[5]
}

func newHistory(t *testing.T) *twoApps {
	t.Helper()
	h := &twoApps{testRepo: newTestRepo(t)}
	h.c[1] = h.commit("init", map[string]string{"apps/web/a.yaml": "1\n", "apps/web/b.yaml": "1\n", "apps/api/a.yaml": "1\n"})
	h.c[2] = h.commit("web 2", map[string]string{"apps/web/a.yaml": "2\n"})
	if _, err := h.repo.CreateTag("v1", h.c[2], nil); err != nil {
		t.Fatal(err)
	}
	h.c[3] = h.commit("api 2", map[string]string{"apps/api/a.yaml": "2\n"})
	h.c[4] = h.commit("both 3\n\nA body.", map[string]string{"apps/web/a.yaml": "3\n", "apps/api/a.yaml": "3\n"})
	h.c[5] = h.commit("readme", map[string]string{"README.md": "hi\n"})
	return h
}
