package history

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestRead(t *testing.T) {
	r := newTestRepo(t)
	first := r.commit("ann", "web and api", map[string]string{"apps/web/a.yaml": "1", "apps/web/b.yaml": "1", "apps/api/a.yaml": "1"})
	api := r.commit("bob", "api only", map[string]string{"apps/api/a.yaml": "2"})
	scale := r.commit("cid", "scale web\n\nthree replicas", map[string]string{"apps/web/a.yaml": "2"})
	rename := r.commit("ann", "rename b, add c", map[string]string{"apps/web/b.yaml": deleted, "apps/web/bb.yaml": "1", "apps/web/c.yaml": "1"})
	readme := r.commit("bob", "readme", map[string]string{"README.md": "hi"})
	drop := r.commit("cid", "drop web", map[string]string{"apps/web/a.yaml": deleted, "apps/web/bb.yaml": deleted, "apps/web/c.yaml": deleted})

	tests := []struct {
		name       string
		opts       Options
		want       []plumbing.Hash
		wantMarked bool
		wantNewer  int
	}{
		{name: "a path", opts: Options{Path: "apps/web"}, want: []plumbing.Hash{drop, rename, scale, first}},
		{name: "the root", opts: Options{Path: "."}, want: []plumbing.Hash{drop, readme, rename, scale, api, first}},
		{name: "a path spelled loosely", opts: Options{Path: "./apps/web/"}, want: []plumbing.Hash{drop, rename, scale, first}},
		{name: "a file", opts: Options{Path: "apps/api/a.yaml"}, want: []plumbing.Hash{api, first}},
		{name: "no such path", opts: Options{Path: "apps/db"}},
		{name: "limit", opts: Options{Path: "apps/web", Limit: 2}, want: []plumbing.Hash{drop, rename}},
		{name: "mark on a listed commit", opts: Options{Path: "apps/web", Mark: scale},
			want: []plumbing.Hash{drop, rename, scale, first}, wantMarked: true, wantNewer: 2},
		// readme left web as rename made it: rename is what runs.
		{name: "mark on a commit of another path", opts: Options{Path: "apps/web", Mark: readme},
			want: []plumbing.Hash{drop, rename, scale, first}, wantMarked: true, wantNewer: 1},
		{name: "mark past the limit", opts: Options{Path: "apps/web", Limit: 1, Mark: first},
			want: []plumbing.Hash{drop}, wantMarked: true, wantNewer: 1},
		{name: "until the mark", opts: Options{Path: "apps/web", Mark: api, UntilMark: true},
			want: []plumbing.Hash{drop, rename, scale}, wantMarked: true, wantNewer: 3},
		{name: "until the head", opts: Options{Path: "apps/web", Mark: drop, UntilMark: true}, wantMarked: true},
		{name: "mark on no history", opts: Options{Path: "apps/web", Mark: plumbing.NewHash(strings.Repeat("ab", 20)), UntilMark: true},
			want: []plumbing.Hash{drop, rename, scale, first}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, err := Read(r.repo, drop, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []plumbing.Hash
			for _, e := range log.Entries {
				got = append(got, plumbing.NewHash(e.SHA))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("commits %v, want %v", got, tt.want)
			}
			if log.Marked != tt.wantMarked || log.Newer != tt.wantNewer || !log.Missing.IsZero() {
				t.Errorf("marked %v newer %d missing %s, want %v %d none", log.Marked, log.Newer, log.Missing, tt.wantMarked, tt.wantNewer)
			}
		})
	}
}

func TestReadEntries(t *testing.T) {
	r := newTestRepo(t)
	r.commit("ann", "add", map[string]string{"web/a": "1", "web/b": "1"})
	r.commit("bob", "rename b, add c", map[string]string{"web/a": "2", "web/b": deleted, "web/bb": "1", "web/c": "1"})
	head := r.commit("cid", "  scale  \n\nbody", map[string]string{"web/a": "3"})
	log, err := Read(r.repo, head, Options{Path: "web"})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		author, subject, changes string
		minute                   int
	}{
		{"cid", "scale", "1 file modified", 3},
		{"bob", "rename b, add c", "4 files: 2 added, 1 modified, 1 deleted", 2},
		{"ann", "add", "2 files added", 1},
	}
	if len(log.Entries) != len(want) {
		t.Fatalf("%d entries, want %d", len(log.Entries), len(want))
	}
	for i, w := range want {
		e := log.Entries[i]
		if e.Author != w.author || e.Email != w.author+"@example.com" || e.Subject != w.subject || e.Changes.String() != w.changes || e.Time.Unix() != 1700000000+60*int64(w.minute) {
			t.Errorf("entry %d: %+v, want %+v", i, e, w)
		}
	}
}

// TestReadMerge: a merge is one change of the branch it was merged into,
// its diff against the first parent; the merged commits are not listed.
func TestReadMerge(t *testing.T) {
	r := newTestRepo(t)
	base := r.commit("ann", "base", map[string]string{"web/a": "1"})
	side := r.commit("bob", "on a branch", map[string]string{"web/b": "1"})
	// The work tree still holds the branch's file: main's commit drops it.
	main := r.commit("ann", "main moves", map[string]string{"api/a": "1", "web/b": deleted}, base)
	merge := r.commit("ann", "merge", map[string]string{"web/b": "1"}, main, side)
	log, err := Read(r.repo, merge, Options{Path: "web"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range log.Entries {
		got = append(got, e.Subject+": "+e.Changes.String())
	}
	if want := []string{"merge: 1 file added", "base: 1 file added"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestReadShallow: a commit whose parent is not in the repository ends the
// walk, as a shallow clone's history does.
func TestReadShallow(t *testing.T) {
	r := newTestRepo(t)
	missing := plumbing.NewHash(strings.Repeat("cd", 20))
	cut := r.withParents(r.commit("ann", "cut here", map[string]string{"web/a": "1"}), missing)
	head := r.withParents(r.commit("bob", "scale", map[string]string{"web/a": "2"}), cut)
	tests := []struct {
		name        string
		opts        Options
		want        int
		wantMissing bool
	}{
		// The cut commit's changes are unknown: it is not listed.
		{name: "to the end", opts: Options{Path: "web"}, want: 1, wantMissing: true},
		{name: "a mark not fetched", opts: Options{Path: "web", Mark: missing, UntilMark: true}, want: 1, wantMissing: true},
		{name: "the limit first", opts: Options{Path: "web", Limit: 1}, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, err := Read(r.repo, head, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(log.Entries) != tt.want || (log.Missing == missing) != tt.wantMissing || log.Marked {
				t.Errorf("%d entries, missing %s, marked %v", len(log.Entries), log.Missing, log.Marked)
			}
		})
	}
	if _, err := Lookup(r.repo, missing); !errors.Is(err, plumbing.ErrObjectNotFound) {
		t.Errorf("Lookup of a commit not held: %v", err)
	}
}

func TestReadErrors(t *testing.T) {
	r := newTestRepo(t)
	head := r.commit("ann", "one", map[string]string{"web/a": "1"})
	tests := []struct {
		name    string
		head    plumbing.Hash
		path    string
		wantErr string
	}{
		{name: "path leaves the repository", head: head, path: "../web", wantErr: "inside the repository"},
		{name: "absolute path", head: head, path: "/web", wantErr: "inside the repository"},
		{name: "head not held", head: plumbing.NewHash(strings.Repeat("ef", 20)), path: "web", wantErr: "read commit efef"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(r.repo, tt.head, Options{Path: tt.path})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v, want %q", err, tt.wantErr)
			}
		})
	}
}
