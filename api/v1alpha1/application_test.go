package v1alpha1

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

const sharedSpec = `path: apps/web
renderer: helm
helm:
  values:
    replicas: 3
    image: {repository: nginx, tag: "1.27"}
    hosts: [a.example.com, b.example.com]
destination:
  cluster: {secretRef: {name: prod-kubeconfig, key: config}}
  namespace: web
sync: {wait: true, timeout: 90s}
imageUpdate:
  enabled: true
  branch: image-updates
  author: {name: bot, email: bot@example.com}
  messageTemplate: "bump {{len .Changes}} images"
  secretRef: {name: git-write}
`

// TestApplicationSharesAppSpec: the same app written as a tugboat.yaml
// entry and as an Application is the same AppSpec.
func TestApplicationSharesAppSpec(t *testing.T) {
	indented := "  " + strings.ReplaceAll(strings.TrimSuffix(sharedSpec, "\n"), "\n", "\n  ") + "\n"
	file := "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n- name: web\n" + indented
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := LoadRepositoryFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var app Application
	manifest := "apiVersion: tugboat.dev/v1alpha1\nkind: Application\nmetadata: {name: web, namespace: team}\nspec:\n" + indented
	if err := yaml.UnmarshalStrict([]byte(manifest), &app); err != nil {
		t.Fatal(err)
	}
	if err := app.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := app.App(); !reflect.DeepEqual(got, f.Apps[0]) {
		t.Errorf("Application spec = %+v\ntugboat.yaml entry = %+v", got, f.Apps[0])
	}
}

func TestApplicationValidate(t *testing.T) {
	tests := []struct {
		name, objName, specName string
		wantErr                 string
	}{
		{name: "named after itself", objName: "web"},
		{name: "spec name wins", objName: "web.prod", specName: "web"},
		{name: "object name not a label", objName: "web.prod", wantErr: `name "web.prod": want a DNS label`},
		{name: "bad spec name", objName: "web", specName: "Web", wantErr: `name "Web"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := Application{ObjectMeta: metav1.ObjectMeta{Name: tt.objName}, Spec: ApplicationSpec{AppSpec: AppSpec{Name: tt.specName, Path: "."}}}
			err := app.Validate()
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
			if app.Spec.Name != tt.specName {
				t.Errorf("Validate changed spec.name to %q", app.Spec.Name)
			}
		})
	}
}

// TestDeepCopy: the generated copy shares nothing with the original, the
// raw values included.
func TestDeepCopy(t *testing.T) {
	var app Application
	if err := yaml.UnmarshalStrict([]byte("metadata: {name: web}\nspec:\n  path: x\n  helm: {values: {a: 1}}\n  vars: {A: a}\n  destination: {cluster: {secretRef: {name: s}}}\n"), &app); err != nil {
		t.Fatal(err)
	}
	c := app.DeepCopyObject().(*Application)
	c.Spec.Helm.Values.Raw[len(c.Spec.Helm.Values.Raw)-2] = '2'
	c.Spec.Vars["A"] = "b"
	c.Spec.Destination.Cluster.SecretRef.Name = "t"
	if string(app.Spec.Helm.Values.Raw) != `{"a":1}` || app.Spec.Vars["A"] != "a" || app.Spec.Destination.Cluster.SecretRef.Name != "s" {
		t.Errorf("changing the copy changed the original: %+v", app.Spec)
	}
}

func TestAddToScheme(t *testing.T) {
	s := runtime.NewScheme()
	if err := AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"Application", "ApplicationList", "ImagePolicy", "ImagePolicyList"} {
		if _, err := s.New(SchemeGroupVersion.WithKind(kind)); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
}
