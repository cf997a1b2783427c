package v1alpha1

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	head   = "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\n"
	noApps = "apps: []\n"
)

// imagePolicy is an entry of imagePolicies for ghcr.io/org/NAME.
func imagePolicy(name, policy string) string {
	return "- name: " + name + "\n  image: ghcr.io/org/" + name + "\n  policy:\n    " + policy + "\n"
}

func TestLoadRepositoryFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		wantErr string
	}{
		{name: "valid", content: "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n- name: web\n  path: apps/web\n  destination: {context: prod, namespace: web}\n  sync: {prune: false, wait: true, timeout: 2m}\n"},
		{name: "unknown field", content: "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n- name: web\n  path: apps/web\n  prnue: true\n", wantErr: `unknown field "prnue"`},
		{name: "wrong kind", content: "apiVersion: v1\nkind: ConfigMap\napps: []\n", wantErr: "want \"tugboat.dev/v1alpha1\"/\"Repository\""},
		{name: "bad name", content: "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n- name: Web_App\n  path: x\n", wantErr: `apps[0]: name "Web_App"`},
		{name: "duplicate", content: "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n- {name: a, path: x}\n- {name: a, path: y}\n", wantErr: `apps[1]: duplicate app name "a"`},
		{name: "no path", content: "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n- {name: a}\n", wantErr: "path: required"},
		{name: "bad renderer", content: "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n- {name: a, path: x, renderer: jsonnet}\n", wantErr: `renderer "jsonnet"`},
		{name: "cluster by secret", content: "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n- name: web\n  path: apps/web\n  destination: {cluster: {secretRef: {name: prod-kubeconfig}}}\n  sync: {prune: false, timeout: 2m}\n"},
		{name: "context and cluster", content: "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n- {name: a, path: x, destination: {context: prod, cluster: {secretRef: {name: s}}}}\n", wantErr: "app a: destination: context and cluster are mutually exclusive"},
		{name: "secret without name", content: "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n- {name: a, path: x, destination: {cluster: {secretRef: {key: k}}}}\n", wantErr: "app a: destination.cluster.secretRef.name: required"},
		{name: "unknown destination field", content: "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n- {name: a, path: x, destination: {cluster: {secretRef: {name: s, nmespace: n}}}}\n", wantErr: `unknown field "nmespace"`},
		{name: "values not a mapping", content: "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n- {name: a, path: x, helm: {values: [1, 2]}}\n", wantErr: "app a: helm.values: want a mapping"},
		{name: "image policies", content: head + "imagePolicies:\n" + imagePolicy("web", "semver: {range: ^1.0}") + imagePolicy("nightly", "numerical: {}\n  filterTags: {pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)$', extract: $ts}") +
			"apps:\n- name: web\n  path: apps/web\n  sync: {prune: false, timeout: 2m}\n  imageUpdate:\n    enabled: true\n    fields: [{file: values.yaml, path: image.tag, policy: web, part: tag}]\n"},
		{name: "image policy bad range", content: head + "imagePolicies:\n" + imagePolicy("web", "semver: {range: '^1.0 ||| x'}") + noApps, wantErr: `imagePolicies[0]: imagePolicy web: policy.semver.range "^1.0 ||| x"`},
		{name: "image policy bad regex", content: head + "imagePolicies:\n" + imagePolicy("web", "alphabetical: {}\n  filterTags: {pattern: '(['}") + noApps, wantErr: "imagePolicies[0]: imagePolicy web: filterTags.pattern: error parsing regexp"},
		{name: "image policy two policies", content: head + "imagePolicies:\n" + imagePolicy("web", "alphabetical: {}\n    numerical: {}") + noApps, wantErr: "imagePolicies[0]: imagePolicy web: policy: want exactly one"},
		{name: "image policy tag in image", content: head + "imagePolicies:\n- {name: web, image: 'ghcr.io/org/web:1.0', policy: {semver: {range: ^1}}}\n" + noApps, wantErr: `imagePolicies[0]: imagePolicy web: image "ghcr.io/org/web:1.0": want a repository without tag`},
		{name: "image policy bad name", content: head + "imagePolicies:\n" + imagePolicy("Web", "semver: {range: ^1}") + noApps, wantErr: `imagePolicies[0]: name "Web"`},
		{name: "image policy duplicate", content: head + "imagePolicies:\n" + imagePolicy("web", "semver: {range: ^1}") + imagePolicy("web", "semver: {range: ^2}") + noApps, wantErr: `imagePolicies[1]: duplicate image policy name "web"`},
		{name: "image policy unknown field", content: head + "imagePolicies:\n" + imagePolicy("web", "semver: {range: ^1, prerelease: true}") + noApps, wantErr: `unknown field "prerelease"`},
		{name: "image field names unknown policy", content: head + "apps:\n- {name: a, path: x, imageUpdate: {fields: [{file: v.yaml, path: image, policy: web}]}}\n", wantErr: `apps[0]: app a: imageUpdate.fields[0].policy: no imagePolicies entry named "web"`},
		{name: "values a string", content: "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n- {name: a, path: x, helm: {values: \"replicas: 2\"}}\n", wantErr: "app a: helm.values: want a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := LoadRepositoryFile(path)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if a, err := f.App("web"); err != nil || a.Sync.Timeout.Duration.Minutes() != 2 || *a.Sync.Prune {
					t.Errorf("app web = %+v, %v", a, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
				t.Errorf("err = %v, want %q naming %s", err, tt.wantErr, path)
			}
		})
	}
}
