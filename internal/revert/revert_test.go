package revert

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/tugboat-gitops/tugboat/internal/confine"
)

// TestRevert reverts single commits and ranges of the web app, checking
// the files, the messages and that the other app keeps its changes.
func TestRevert(t *testing.T) {
	tests := []struct {
		name      string
		revert    []int // indexes into twoApps.c, newest first
		wantFiles map[string]string
		// wantSubjects are the reverted commits' subjects, in order.
		wantSubjects []string
		wantChanged  [][]string
	}{
		{
			name:   "the last commit, which touched both apps",
			revert: []int{4},
			wantFiles: map[string]string{"apps/web/a.yaml": "2\n", "apps/web/b.yaml": "1\n", "apps/api/a.yaml": "3\n",
				"README.md": "hi\n"},
			wantSubjects: []string{"both 3"},
			wantChanged:  [][]string{{"apps/web/a.yaml"}},
		},
		{
			name:   "a range",
			revert: []int{4, 2},
			wantFiles: map[string]string{"apps/web/a.yaml": "1\n", "apps/web/b.yaml": "1\n", "apps/api/a.yaml": "3\n",
				"README.md": "hi\n"},
			wantSubjects: []string{"both 3", "web 2"},
			wantChanged:  [][]string{{"apps/web/a.yaml"}, {"apps/web/a.yaml"}},
		},
		{
			name:         "a commit outside the path is skipped",
			revert:       []int{5, 4},
			wantFiles:    map[string]string{"apps/web/a.yaml": "2\n", "apps/web/b.yaml": "1\n", "apps/api/a.yaml": "3\n", "README.md": "hi\n"},
			wantSubjects: []string{"both 3"},
			wantChanged:  [][]string{{"apps/web/a.yaml"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHistory(t)
			var hashes []plumbing.Hash
			for _, i := range tt.revert {
				hashes = append(hashes, h.c[i])
			}
			got, err := Revert(h.dir, Options{Path: "apps/web", Author: author}, h.commits(hashes...)...)
			if err != nil {
				t.Fatal(err)
			}
			if files := h.files(); !maps.Equal(files, tt.wantFiles) {
				t.Errorf("files %q, want %q", files, tt.wantFiles)
			}
			if len(got) != len(tt.wantSubjects) {
				t.Fatalf("got %+v, want %d reverts", got, len(tt.wantSubjects))
			}
			parent := h.c[5]
			for i, r := range got {
				if r.Subject != tt.wantSubjects[i] || !slices.Equal(r.Files, tt.wantChanged[i]) {
					t.Errorf("revert %d: got %+v, want subject %q and files %q", i, r, tt.wantSubjects[i], tt.wantChanged[i])
				}
				want := "Revert \"" + r.Subject + "\"\n\nThis reverts commit " + r.Commit + ".\n"
				if msg := h.message(r.NewCommit); msg != want {
					t.Errorf("revert %d: message %q, want %q", i, msg, want)
				}
				if c := h.commits(plumbing.NewHash(r.NewCommit))[0]; len(c.ParentHashes) != 1 || c.ParentHashes[0] != parent {
					t.Errorf("revert %d: parents %v, want %s", i, c.ParentHashes, parent)
				}
				parent = plumbing.NewHash(r.NewCommit)
			}
			if head := h.head(); head != parent {
				t.Errorf("HEAD is %s, want the last revert %s", head, parent)
			}
			if st, err := h.wt.Status(); err != nil || !st.IsClean() {
				t.Errorf("the work tree is not clean after the reverts: %v %v", st, err)
			}
		})
	}
}

// TestRevertKinds reverts additions, deletions, mode changes, symlinks and
// a file turned into a directory: the path's tree comes back exactly.
func TestRevertKinds(t *testing.T) {
	r := newTestRepo(t)
	base := r.commit("init", map[string]string{"app/old.yaml": "old\n", "app/run.sh": "#!/bin/sh\n", "app/conf": "a file\n",
		"app/link": linkPrefix + "old.yaml", "other/x": "x\n"})
	change := r.commit("everything", map[string]string{"app/old.yaml": deleted, "app/new.yaml": "new\n",
		"app/run.sh": execPrefix + "#!/bin/sh\n", "app/conf": deleted, "app/conf/inner.yaml": "inner\n",
		"app/link": linkPrefix + "new.yaml", "app/added-link": linkPrefix + "new.yaml", "other/x": "y\n"})
	got, err := Revert(r.dir, Options{Path: "app", Author: author}, r.commits(change)...)
	if err != nil {
		t.Fatal(err)
	}
	if r.subtree(r.head(), "app") != r.subtree(base, "app") {
		t.Errorf("app's tree is not as before the change")
	}
	if r.subtree(r.head(), "other") != r.subtree(change, "other") {
		t.Errorf("other's tree changed")
	}
	want := map[string]string{"app/old.yaml": "old\n", "app/run.sh": "#!/bin/sh\n", "app/conf": "a file\n",
		"app/link": linkPrefix + "old.yaml", "other/x": "y\n"}
	if files := r.files(); !maps.Equal(files, want) {
		t.Errorf("files %q, want %q", files, want)
	}
	wantChanged := []string{"app/added-link", "app/conf", "app/conf/inner.yaml", "app/link", "app/new.yaml", "app/old.yaml", "app/run.sh"}
	if len(got) != 1 || !slices.Equal(got[0].Files, wantChanged) {
		t.Errorf("got %+v, want the files %q", got, wantChanged)
	}
}

// TestRevertConflict refuses a commit whose files changed again, naming
// every one, and leaves the repository as it was, also when the conflict
// is in a later commit of the range.
func TestRevertConflict(t *testing.T) {
	h := newHistory(t)
	c6 := h.commit("web 4", map[string]string{"apps/web/a.yaml": "4\n", "apps/web/b.yaml": "4\n", "apps/web/c.yaml": "4\n"})
	c7 := h.commit("web 5", map[string]string{"apps/web/a.yaml": "5\n", "apps/web/b.yaml": "5\n"})
	tests := []struct {
		name      string
		revert    []plumbing.Hash
		want      plumbing.Hash
		wantFiles []string
	}{
		{"changed again", []plumbing.Hash{c6}, c6, []string{"apps/web/a.yaml", "apps/web/b.yaml"}},
		{"an older commit of a range", []plumbing.Hash{c7, h.c[4]}, h.c[4], []string{"apps/web/a.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.files()
			got, err := Revert(h.dir, Options{Path: "apps/web", Author: author}, h.commits(tt.revert...)...)
			var conflict *ConflictError
			if !errors.As(err, &conflict) {
				t.Fatalf("got %+v, %v; want a conflict", got, err)
			}
			if conflict.Commit != tt.want.String() || !slices.Equal(conflict.Files, tt.wantFiles) {
				t.Errorf("conflict %+v, want %s with files %q", conflict, tt.want, tt.wantFiles)
			}
			for _, f := range tt.wantFiles {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("error %q does not name %s", err, f)
				}
			}
			if head := h.head(); head != c7 {
				t.Errorf("HEAD moved to %s", head)
			}
			if files := h.files(); !maps.Equal(files, before) {
				t.Errorf("files changed: %q, want %q", files, before)
			}
		})
	}
}

// TestRevertMerge reverts a merge against its first parent (git revert
// -m 1), in the app's path only.
func TestRevertMerge(t *testing.T) {
	m := newMergeHistory(t)
	commits, err := Commits(m.repo, m.merge, "apps/web", "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Revert(m.dir, Options{Path: "apps/web", Author: author}, commits...)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"apps/web/a.yaml": "1\n", "apps/api/a.yaml": "2\n"}
	if files := m.files(); !maps.Equal(files, want) {
		t.Errorf("files %q, want %q", files, want)
	}
	wantMsg := "Revert \"Merge side\"\n\nThis reverts commit " + m.merge.String() + ", reversing\nchanges made to " + m.api.String() + ".\n"
	if len(got) != 1 || m.message(got[0].NewCommit) != wantMsg {
		t.Errorf("got %+v, want one revert with message %q", got, wantMsg)
	}
}

// TestRevertConfined refuses to write through a symlinked directory, even
// one the work tree holds untracked, and writes nothing outside.
func TestRevertConfined(t *testing.T) {
	r := newTestRepo(t)
	r.commit("init", map[string]string{"app/a.yaml": "1\n"})
	r.commit("add", map[string]string{"app/sub/f.yaml": "f\n"})
	del := r.commit("delete", map[string]string{"app/sub/f.yaml": deleted})
	outside := t.TempDir()
	if err := os.Remove(filepath.Join(r.dir, "app", "sub")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(r.dir, "app", "sub")); err != nil {
		t.Fatal(err)
	}
	_, err := Revert(r.dir, Options{Path: "app", Author: author}, r.commits(del)...)
	if !errors.Is(err, confine.ErrEscape) {
		t.Fatalf("got %v, want a refusal to leave the repository", err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("wrote %d entries outside the repository", len(entries))
	}
	if r.head() != del {
		t.Errorf("HEAD moved")
	}
}

// TestRevertOptions refuses options before touching the repository.
func TestRevertOptions(t *testing.T) {
	h := newHistory(t)
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"no author", Options{Path: "apps/web"}, "needs a name and an email"},
		{"path outside", Options{Path: "apps/../../x", Author: author}, "leaves the repository"},
		{"into .git", Options{Path: ".git/hooks", Author: author}, "not a path a checkout can hold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Revert(h.dir, tt.opts, h.commits(h.c[4])...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v, want an error mentioning %q", err, tt.wantErr)
			}
			if _, err := Restore(h.dir, tt.opts, "HEAD~1"); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Restore: got %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
}
