package confine

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestJoin(t *testing.T) {
	outside := t.TempDir()
	root := t.TempDir()
	for _, d := range []string{"a/b", "c"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "a/b/f.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"c/in":     "../a/b",                    // a directory inside
		"c/file":   "../a/b/f.yaml",             // a file inside
		"c/out":    outside,                     // a directory outside
		"c/passwd": "/etc/passwd",               // a file outside
		"c/chain":  "in/../../c/out",            // inside, then out
		"c/broken": filepath.Join(outside, "x"), // nothing there
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rel     string
		want    string // relative to the real root
		wantErr string
		escape  bool
	}{
		{rel: "a/b/f.yaml", want: "a/b/f.yaml"},
		{rel: "a/./b/../b/f.yaml", want: "a/b/f.yaml"},
		{rel: "a/new/deeper.yaml", want: "a/new/deeper.yaml"},
		{rel: "c/in/f.yaml", want: "a/b/f.yaml"},
		{rel: "c/file", want: "a/b/f.yaml"},
		{rel: ".", want: ""},
		{rel: "/etc/passwd", wantErr: "absolute", escape: true},
		{rel: "../x", wantErr: "../x", escape: true},
		{rel: "a/../../x", wantErr: "a/../../x", escape: true},
		{rel: "c/out/x.yaml", wantErr: "out links to", escape: true},
		{rel: "c/passwd", wantErr: "passwd links to", escape: true},
		{rel: "c/chain", wantErr: "links to", escape: true},
		{rel: "c/broken", wantErr: "broken or looping symlink"},
	}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			got, err := Join(root, tt.rel)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Join(%q) = %q, %v; want an error mentioning %q", tt.rel, got, err, tt.wantErr)
				}
				if errors.Is(err, ErrEscape) != tt.escape {
					t.Errorf("errors.Is(err, ErrEscape) = %v, want %v", !tt.escape, tt.escape)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(real, tt.want); got != want {
				t.Errorf("Join(%q) = %q, want %q", tt.rel, got, want)
			}
		})
	}
}
