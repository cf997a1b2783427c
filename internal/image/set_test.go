package image

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/image/setter"
)

func TestMessage(t *testing.T) {
	changes := []Change{
		{App: "web", Image: "reg/app", Old: "reg/app:1.0.0", New: "reg/app:1.1.0", File: "apps/web/deploy.yaml"},
		// The same update in a second file says nothing new.
		{App: "web", Image: "reg/app", Old: "reg/app:1.0.0", New: "reg/app:1.1.0", File: "apps/web/job.yaml"},
		{App: "api", Image: "reg/api", Old: "2.0.0", New: "2.1.0", File: "apps/api/values.yaml"},
		{App: "api", Image: "reg/api", Old: "", New: "sha256:abc", File: "apps/api/kustomization.yaml"},
	}
	tests := []struct {
		name, tmpl, want, wantErr string
	}{
		{name: "default", want: "tugboat: update images\n\nweb: reg/app 1.0.0 -> 1.1.0\napi: reg/api 2.0.0 -> 2.1.0\napi: reg/api (none) -> sha256:abc\n"},
		{name: "template over changes", tmpl: "bump{{range .Changes}} {{.App}}:{{.File}}{{end}}",
			want: "bump web:apps/web/deploy.yaml web:apps/web/job.yaml api:apps/api/values.yaml api:apps/api/kustomization.yaml\n"},
		{name: "bad template", tmpl: "{{.Nope", wantErr: "commit message template"},
		{name: "unknown field", tmpl: "{{.Nope}}", wantErr: "commit message template"},
		{name: "empty message", tmpl: "  {{/* nothing */}}", wantErr: "the message is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Message(tt.tmpl, changes)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %q, %v; want an error with %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestSetAndEdit(t *testing.T) {
	write := func(t *testing.T, root string, files map[string]string) {
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
	files := map[string]string{
		"apps/web/deploy.yaml": "image: reg/app:1.0.0 # {\"tugboat\": \"app\"}\n",
		"apps/api/values.yaml": "image:\n  tag: 2.0.0 # keep this comment\n",
		"apps/bad/x.yaml":      "image: reg/app:1.0.0 # {\"tugboat\": \"missing\"}\n",
	}
	policies := map[string]setter.Image{"app": {Repository: "reg/app", Tag: "1.1.0"}, "api": {Repository: "reg/api", Tag: "2.1.0"}}
	targets := []Target{
		{App: "web", Path: "apps/web", Request: setter.Request{Policies: policies}},
		{App: "api", Path: "apps/api", Request: setter.Request{Policies: policies, Fields: []setter.Field{{File: "values.yaml", Path: "image.tag", Policy: "api", Part: setter.PartTag}}}},
	}

	t.Run("edit", func(t *testing.T) {
		root := t.TempDir()
		write(t, root, files)
		var changes []Change
		msg, err := Edit(targets, "", &changes)(context.Background(), root)
		if err != nil {
			t.Fatal(err)
		}
		if want := "tugboat: update images\n\nweb: reg/app 1.0.0 -> 1.1.0\napi: reg/api 2.0.0 -> 2.1.0\n"; msg != want {
			t.Errorf("message %q, want %q", msg, want)
		}
		if len(changes) != 2 || changes[1].File != "apps/api/values.yaml" || changes[1].Line != 2 {
			t.Errorf("changes %+v", changes)
		}
		data, _ := os.ReadFile(filepath.Join(root, "apps/api/values.yaml"))
		if string(data) != "image:\n  tag: 2.1.0 # keep this comment\n" {
			t.Errorf("values.yaml now %q", data)
		}
		// Run again on the edited checkout: nothing to change, no message.
		msg, err = Edit(targets, "", &changes)(context.Background(), root)
		if err != nil || msg != "" || len(changes) != 0 {
			t.Errorf("second edit: %q, %v, %v; want no change", msg, err, changes)
		}
	})

	t.Run("errors name app, file and line", func(t *testing.T) {
		root := t.TempDir()
		write(t, root, files)
		bad := append(targets, Target{App: "bad", Path: "apps/bad", Request: setter.Request{Policies: policies}})
		_, err := Set(root, bad)
		if err == nil || !strings.Contains(err.Error(), "app bad: ") || !strings.Contains(err.Error(), "apps/bad/x.yaml:1") {
			t.Fatalf("got %v, want an error naming app bad and apps/bad/x.yaml:1", err)
		}
	})
}

func TestAuthorAndFields(t *testing.T) {
	if got := Author(nil); got != DefaultAuthor {
		t.Errorf("Author(nil) = %+v", got)
	}
	u := &v1alpha1.ImageUpdateSpec{Author: &v1alpha1.CommitAuthor{Email: "bot@example.com"},
		Fields: []v1alpha1.ImageField{{File: "values.yaml", Path: "image.tag", Policy: "app", Part: "tag"}}}
	if got := Author(u); got.Name != "tugboat" || got.Email != "bot@example.com" {
		t.Errorf("Author = %+v", got)
	}
	if got := Fields(u); len(got) != 1 || got[0] != (setter.Field{File: "values.yaml", Path: "image.tag", Policy: "app", Part: "tag"}) {
		t.Errorf("Fields = %+v", got)
	}
}

func TestSetValues(t *testing.T) {
	root := t.TempDir()
	apps := "apps:\n  - name: production\n    chart: {repo: oci://r/charts, name: web, version: 1.4.0} # prod\n"
	if err := os.WriteFile(filepath.Join(root, "tugboat.yaml"), []byte(apps), 0o644); err != nil {
		t.Fatal(err)
	}
	target := Target{App: "production", Values: []Value{{File: "tugboat.yaml", Path: "apps[0].chart.version", What: "chart oci://r/charts/web", New: "1.5.0"}}}
	changes, err := Set(root, []Target{target})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Summary() != "production: chart oci://r/charts/web 1.4.0 -> 1.5.0" || changes[0].Line != 3 {
		t.Errorf("changes %+v", changes)
	}
	data, _ := os.ReadFile(filepath.Join(root, "tugboat.yaml"))
	if want := strings.Replace(apps, "1.4.0", "1.5.0", 1); string(data) != want {
		t.Errorf("tugboat.yaml now %q, want %q", data, want)
	}
	target.Values[0].File = "../outside.yaml"
	if _, err := Set(root, []Target{target}); err == nil || !strings.Contains(err.Error(), "leaves the repository") {
		t.Errorf("a value outside the repository: %v", err)
	}
}
