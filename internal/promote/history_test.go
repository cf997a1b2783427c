package promote

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

func TestBehind(t *testing.T) {
	dir := t.TempDir()
	repo, err := gogit.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	commit := func(msg string, files ...string) plumbing.Hash {
		t.Helper()
		for _, f := range files {
			p := filepath.Join(dir, f)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(msg), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := wt.Add(f); err != nil {
				t.Fatal(err)
			}
		}
		h, err := wt.Commit(msg, &gogit.CommitOptions{Author: &object.Signature{Name: "t", Email: "t@t", When: time.Now()}})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	others := []string{"apps/production", "apps/api"}
	live := commit("first", "apps/base/deploy.yaml", "apps/staging/kustomization.yaml")
	promoted := commit("promote staging to production", "apps/production/kustomization.yaml")
	bumped := commit("bump api", "apps/api/deploy.yaml")
	base := commit("base: more replicas", "apps/base/deploy.yaml")
	tests := []struct {
		name       string
		live, head plumbing.Hash
		wantErr    string
	}{
		{name: "at head", live: live, head: live},
		{name: "others' commits since", live: live, head: bumped},
		{name: "a base changed since", live: live, head: base, wantErr: `("base: more replicas") changes apps/base/deploy.yaml since`},
		{name: "live after head", live: base, head: promoted, wantErr: "is not on the first-parent history of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Behind(repo, tt.live, tt.head, others)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("got %v, want %q", err, tt.wantErr)
			}
		})
	}
}
