package revert

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestRestore makes the web app as it was at each revision, in one commit,
// leaving the other app; restoring it again commits nothing.
func TestRestore(t *testing.T) {
	tests := []struct {
		name      string
		rev       func(h *twoApps) string
		wantWeb   map[string]string
		wantFiles []string
		wantErr   string
	}{
		{
			name:      "to the first commit",
			rev:       func(h *twoApps) string { return h.c[1].String()[:10] },
			wantWeb:   map[string]string{"apps/web/a.yaml": "1\n", "apps/web/b.yaml": "1\n"},
			wantFiles: []string{"apps/web/a.yaml"},
		},
		{
			name:      "to a tag",
			rev:       func(*twoApps) string { return "v1" },
			wantWeb:   map[string]string{"apps/web/a.yaml": "2\n", "apps/web/b.yaml": "1\n"},
			wantFiles: []string{"apps/web/a.yaml"},
		},
		{
			name:    "to a commit without the app",
			rev:     func(h *twoApps) string { return h.c[5].String() },
			wantErr: "apps/other does not exist at",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHistory(t)
			h.commit("web changes", map[string]string{"apps/web/b.yaml": deleted, "apps/web/new.yaml": "new\n", "apps/web/b.yaml/x": "x\n"})
			head := h.head()
			path := "apps/web"
			if tt.wantErr != "" {
				path = "apps/other"
			}
			got, err := Restore(h.dir, Options{Path: path, Author: author}, tt.rev(h))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			files := h.files()
			maps.DeleteFunc(files, func(p string, _ string) bool { return !strings.HasPrefix(p, "apps/web/") })
			if !maps.Equal(files, tt.wantWeb) {
				t.Errorf("web's files %q, want %q", files, tt.wantWeb)
			}
			// The last commit's changes are undone whatever the revision.
			wantFiles := slices.Sorted(slices.Values(append(slices.Clone(tt.wantFiles), "apps/web/b.yaml", "apps/web/b.yaml/x", "apps/web/new.yaml")))
			if !slices.Equal(got.Files, wantFiles) {
				t.Errorf("changed %q, want %q", got.Files, wantFiles)
			}
			if want := "Restore apps/web to " + got.Commit[:12] + "\n"; !strings.HasPrefix(h.message(got.NewCommit), want) {
				t.Errorf("message %q, want it to start %q", h.message(got.NewCommit), want)
			}
			if c := h.commits(h.head())[0]; c.ParentHashes[0] != head {
				t.Errorf("the restore's parent is %s, want %s", c.ParentHashes[0], head)
			}
			if h.subtree(h.head(), "apps/api") != h.subtree(head, "apps/api") {
				t.Errorf("api changed")
			}
			again, err := Restore(h.dir, Options{Path: path, Author: author}, tt.rev(h))
			if err != nil || again.NewCommit != "" || len(again.Files) != 0 {
				t.Errorf("restoring again: %+v, %v; want nothing done", again, err)
			}
		})
	}
}
