package render_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/confine"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/render"
)

func billionLaughs() string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\nx0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("x" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := range 9 {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func deeplyNested(depth int) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: " + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n"
}

// TestRepositoryContentIsConfined renders hostile repositories; each must
// fail with an error naming the offending file, and return no objects.
func TestRepositoryContentIsConfined(t *testing.T) {
	outside := writeTree(t, map[string]string{"secret.yaml": cmYAML("stolen"), "base/kustomization.yaml": "resources: [cm.yaml]\n", "base/cm.yaml": cmYAML("stolen")})
	tests := []struct {
		name    string
		files   map[string]string
		path    string
		limits  render.Limits
		wantErr []string
		escape  bool
	}{
		{name: "plain symlink to /etc/passwd", files: map[string]string{"app/passwd.yaml": "symlink:/etc/passwd"}, path: "app", wantErr: []string{"app/passwd.yaml"}, escape: true},
		{name: "plain symlink to another checkout", files: map[string]string{"app/s.yaml": "symlink:" + filepath.Join(outside, "secret.yaml")}, path: "app", wantErr: []string{"app/s.yaml"}, escape: true},
		{name: "plain relative symlink climbing out", files: map[string]string{"app/s.yaml": "symlink:../../../../../../../etc/passwd"}, path: "app", wantErr: []string{"app/s.yaml"}, escape: true},
		{name: "app path with ..", files: map[string]string{"app/a.yaml": cmYAML("a")}, path: "../", wantErr: []string{".."}, escape: true},
		{name: "absolute app path", files: map[string]string{"app/a.yaml": cmYAML("a")}, path: "/etc", wantErr: []string{"/etc"}, escape: true},
		{name: "kustomize resource leaving the repository", files: map[string]string{"app/kustomization.yaml": "resources:\n- ../../../../../../../.." + outside + "/secret.yaml\n"}, path: "app", wantErr: []string{"app/kustomization.yaml"}, escape: true},
		{name: "kustomize base leaving the repository", files: map[string]string{"app/kustomization.yaml": "resources:\n- ../../../../../../../.." + outside + "/base\n"}, path: "app", wantErr: []string{"app/kustomization.yaml"}, escape: true},
		{name: "kustomize absolute resource", files: map[string]string{"app/kustomization.yaml": "resources:\n- /etc/passwd\n"}, path: "app", wantErr: []string{"app/kustomization.yaml", "/etc/passwd"}, escape: true},
		{name: "kustomize symlinked base", files: map[string]string{"app/kustomization.yaml": "resources:\n- base\n", "app/base": "symlink:" + filepath.Join(outside, "base")}, path: "app", wantErr: []string{"base"}, escape: true},
		{name: "kustomize symlinked file", files: map[string]string{"app/kustomization.yaml": "resources:\n- s.yaml\n", "app/s.yaml": "symlink:/etc/passwd"}, path: "app", wantErr: []string{"s.yaml"}},
		{name: "kustomize remote base", files: map[string]string{"app/kustomization.yaml": "resources:\n- https://github.com/example/repo//deploy?ref=v1\n"}, path: "app", wantErr: []string{"app/kustomization.yaml", "remote resource"}},
		{name: "kustomize file:// base", files: map[string]string{"app/kustomization.yaml": "resources:\n- file:///etc\n"}, path: "app", wantErr: []string{"app/kustomization.yaml", "remote resource"}},
		{name: "kustomize base cycle", files: map[string]string{
			"a/kustomization.yaml": "resources:\n- ../b\n",
			"b/kustomization.yaml": "resources:\n- ../a\n",
		}, path: "a", wantErr: []string{"cycle", "b/kustomization.yaml"}},
		{name: "billion laughs", files: map[string]string{"app/lol.yaml": billionLaughs()}, path: "app", wantErr: []string{"app/lol.yaml", "alias expansion"}},
		{name: "deep nesting", files: map[string]string{"app/deep.yaml": deeplyNested(5000)}, path: "app", wantErr: []string{"app/deep.yaml"}},
		{name: "file over the size cap", files: map[string]string{"app/big.yaml": cmYAML("big") + "data:\n  x: " + strings.Repeat("x", 5000) + "\n"}, path: "app", limits: render.Limits{Limits: object.Limits{MaxFileBytes: 1000}}, wantErr: []string{"app/big.yaml", "limit"}},
		{name: "output over the total cap", files: map[string]string{"app/a.yaml": cmYAML("a"), "app/b.yaml": cmYAML("b"), "app/c.yaml": cmYAML("c")}, path: "app", limits: render.Limits{MaxTotalBytes: 100}, wantErr: []string{"limit"}},
		// Stopped at the file that crosses the cap: c.yaml, malformed, is
		// never decoded.
		{name: "input over the total cap", files: map[string]string{"app/a.yaml": cmYAML("a"), "app/b.yaml": cmYAML("b"), "app/c.yaml": "kind: [\n"}, path: "app", limits: render.Limits{MaxTotalBytes: 100}, wantErr: []string{"limit", "app/b.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, tt.files)
			objs, err := newEngine().Render(context.Background(), "", render.Request{Root: root, Path: tt.path, Limits: tt.limits})
			if err == nil {
				t.Fatalf("render succeeded with %v, want an error", ids(objs))
			}
			if objs != nil {
				t.Errorf("objects returned with the error: %v", ids(objs))
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			if tt.escape && !errors.Is(err, confine.ErrEscape) {
				t.Errorf("error %q does not wrap confine.ErrEscape", err)
			}
			if strings.Contains(err.Error(), "root:x:0:0") {
				t.Errorf("error leaks file content: %q", err)
			}
		})
	}
}

func TestConfineJoinAllowsInside(t *testing.T) {
	root := writeTree(t, map[string]string{"a/b.yaml": "x", "link.yaml": "symlink:a/b.yaml"})
	for _, rel := range []string{"a/b.yaml", "a/../a/b.yaml", "link.yaml", "a/new/file"} {
		if _, err := confine.Join(root, rel); err != nil {
			t.Errorf("Join(%q): %v", rel, err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "link.yaml")); err != nil {
		t.Fatal(err)
	}
}
