package setter

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/confine"
)

const (
	marked  = "image: reg/web:1.0 # {\"tugboat\": \"web\"}\n"
	updated = "image: reg/web:1.1.0 # {\"tugboat\": \"web\"}\n"
)

// writeTree writes files (name -> content) below root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readTree(t *testing.T, root string, names ...string) []string {
	t.Helper()
	var out []string
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(data))
	}
	return out
}

// TestApplyErrors: a failure anywhere writes nothing anywhere, and the
// error names every failed file.
func TestApplyErrors(t *testing.T) {
	outside := t.TempDir()
	writeTree(t, outside, map[string]string{"x.yaml": marked})
	tests := []struct {
		name    string
		files   map[string]string
		links   map[string]string // name -> target
		appPath string
		fields  []Field
		want    []string
		escape  bool
	}{
		{
			name:  "symlinked file leaving the root",
			links: map[string]string{"app/evil.yaml": filepath.Join(outside, "x.yaml")},
			want:  []string{"app/evil.yaml", "path leaves the repository"}, escape: true,
		},
		{
			name:  "symlinked directory leaving the root, whatever its name",
			links: map[string]string{"app/base": outside},
			want:  []string{"app/base", "path leaves the repository"}, escape: true,
		},
		{
			name:    "app path leaving the root",
			appPath: "../x",
			want:    []string{"app path ../x"}, escape: true,
		},
		{
			name:   "field in a missing file",
			fields: []Field{{File: "values.yaml", Path: "image.tag", Policy: "web", Part: PartTag}},
			want:   []string{"app/values.yaml", "no such file"},
		},
		{
			name:  "two bad files, both named",
			files: map[string]string{"app/b.yaml": "image: r:1 # {\"tugboat\": \"nope\"}\n", "app/c/d.yml": "x: [ # {\"tugboat\": \"web\"}\n"},
			want:  []string{"app/b.yaml:1: unknown image policy", "app/c/d.yml: not valid YAML"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, map[string]string{"app/a.yaml": marked})
			writeTree(t, root, tt.files)
			for name, target := range tt.links {
				if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
					t.Fatal(err)
				}
			}
			if tt.appPath == "" {
				tt.appPath = "app"
			}
			changes, err := Apply(root, tt.appPath, Request{Policies: policies, Fields: tt.fields})
			if err == nil {
				t.Fatalf("no error; changes %+v", changes)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q, want it to contain %q", err, want)
				}
			}
			if errors.Is(err, confine.ErrEscape) != tt.escape {
				t.Errorf("error %q: escape %v, want %v", err, !tt.escape, tt.escape)
			}
			if got := readTree(t, root, "app/a.yaml")[0]; got != marked {
				t.Errorf("app/a.yaml written despite the error:\n%s", got)
			}
			if got := readTree(t, outside, "x.yaml")[0]; got != marked {
				t.Errorf("file outside the root written:\n%s", got)
			}
		})
	}
}

// TestApply: mode kept, a file reached through an inner symlink set once
// under its real name, a symlinked directory not followed, other files
// and other apps untouched.
func TestApply(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"app/a.yaml":            marked,
		"app/values.yml":        "image:\n  tag: \"1.0\"\n",
		"app/notes.txt":         marked,
		"app/chart/templates/t": "{{ x }}",
		"shared/base.yaml":      marked,
		"other/b.yaml":          marked,
	})
	if err := os.Chmod(filepath.Join(root, "app/a.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"app/link.yaml": "../shared/base.yaml", "app/also.yaml": "a.yaml", "app/dir": "../other"} {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	changes, err := Apply(root, "app", Request{Policies: policies, Fields: []Field{{File: "values.yml", Path: "image.tag", Policy: "web", Part: PartTag}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{
		{File: "app/a.yaml", Line: 1, Policy: "web", Repository: "reg/web", Old: "reg/web:1.0", New: "reg/web:1.1.0"},
		{File: "app/values.yml", Line: 2, Policy: "web", Repository: "reg/web", Old: "1.0", New: "1.1.0"},
		{File: "shared/base.yaml", Line: 1, Policy: "web", Repository: "reg/web", Old: "reg/web:1.0", New: "reg/web:1.1.0"},
	}
	if !reflect.DeepEqual(changes, want) {
		t.Errorf("changes %+v\nwant %+v", changes, want)
	}
	got := readTree(t, root, "app/a.yaml", "app/values.yml", "shared/base.yaml", "app/notes.txt", "other/b.yaml")
	wantFiles := []string{updated, "image:\n  tag: \"1.1.0\"\n", updated, marked, marked}
	if !reflect.DeepEqual(got, wantFiles) {
		t.Errorf("files %q\nwant %q", got, wantFiles)
	}
	if info, err := os.Stat(filepath.Join(root, "app/a.yaml")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("mode of app/a.yaml: %v, %v; want 0600", info.Mode(), err)
	}
	if link, err := os.Readlink(filepath.Join(root, "app/link.yaml")); err != nil || link != "../shared/base.yaml" {
		t.Errorf("app/link.yaml is no longer the link: %q, %v", link, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(root, "app/.tugboat-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}
