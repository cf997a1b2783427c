package revert

import (
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// TestCommits lists the commits to revert for each way of naming REV.
func TestCommits(t *testing.T) {
	h := newHistory(t)
	h.checkout("other", h.c[1])
	other := h.commit("elsewhere", map[string]string{"apps/web/a.yaml": "x\n"})
	h.checkout("master", plumbing.ZeroHash)

	tests := []struct {
		name    string
		dir, to string
		want    []int // indexes into h.c
		wantErr string
	}{
		{name: "last that touched the app", dir: "apps/web", want: []int{4}},
		{name: "last of the other app", dir: "apps/api/", want: []int{4}},
		{name: "last of all", dir: ".", want: []int{5}},
		{name: "a single file", dir: "apps/web/b.yaml", want: []int{1}},
		{name: "never touched", dir: "apps/nosuch"},
		{name: "since a SHA prefix", dir: "apps/web", to: h.c[1].String()[:8], want: []int{4, 2}},
		{name: "since a tag", dir: "apps/web", to: "v1", want: []int{4}},
		{name: "since HEAD~4", dir: "apps/web", to: "HEAD~4", want: []int{4, 2}},
		{name: "since the head", dir: "apps/web", to: "master"},
		{name: "not an ancestor", dir: "apps/web", to: other.String(), wantErr: "is not an ancestor of " + h.c[5].String()[:12]},
		{name: "unknown revision", dir: "apps/web", to: "nosuch", wantErr: `revision "nosuch"`},
		{name: "path outside", dir: "../x", wantErr: "leaves the repository"},
		{name: "absolute path", dir: "/etc", wantErr: "relative to the repository root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Commits(h.repo, h.c[5], tt.dir, tt.to)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var gotHashes, wantHashes []plumbing.Hash
			for _, c := range got {
				gotHashes = append(gotHashes, c.Hash)
			}
			for _, i := range tt.want {
				wantHashes = append(wantHashes, h.c[i])
			}
			if !slices.Equal(gotHashes, wantHashes) {
				t.Errorf("got %v, want %v", gotHashes, wantHashes)
			}
		})
	}
}

// mergeHistory is main: init, api 2, merge of side (web side); side
// branches from init.
type mergeHistory struct {
	*testRepo
	init, side, api, merge plumbing.Hash
}

func newMergeHistory(t *testing.T) *mergeHistory {
	t.Helper()
	m := &mergeHistory{testRepo: newTestRepo(t)}
	m.init = m.commit("init", map[string]string{"apps/web/a.yaml": "1\n", "apps/api/a.yaml": "1\n"})
	m.checkout("side", m.init)
	m.side = m.commit("web side", map[string]string{"apps/web/a.yaml": "side\n"})
	m.checkout("master", plumbing.ZeroHash)
	m.api = m.commit("api 2", map[string]string{"apps/api/a.yaml": "2\n"})
	m.merge = m.commit("Merge side", map[string]string{"apps/web/a.yaml": "side\n"}, m.api, m.side)
	return m
}

// TestCommitsMerge follows first parents: the merge is the change, and a
// commit of the merged branch is not a place to stop.
func TestCommitsMerge(t *testing.T) {
	m := newMergeHistory(t)
	tests := []struct {
		name    string
		dir, to string
		want    []plumbing.Hash
		wantErr string
	}{
		{name: "the merge is the last change", dir: "apps/web", want: []plumbing.Hash{m.merge}},
		{name: "a merge that changed nothing of the app", dir: "apps/api", want: []plumbing.Hash{m.api}},
		{name: "since init", dir: "apps/web", to: m.init.String(), want: []plumbing.Hash{m.merge}},
		{name: "a merged commit", dir: "apps/web", to: m.side.String(), wantErr: "on a branch merged into"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Commits(m.repo, m.merge, tt.dir, tt.to)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) || got[0].Hash != tt.want[0] {
				t.Errorf("got %d commits (first %v), want %v", len(got), got, tt.want)
			}
		})
	}
}
