package pipeline

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
)

// TestFromSpecValues: inline values in tugboat.yaml reach the renderer
// exactly as when the spec held them as a map decoded by sigs.k8s.io/yaml.
func TestFromSpecValues(t *testing.T) {
	tests := []struct {
		name   string
		values string // a YAML mapping, indented for the file
	}{
		{"nested maps", "a: {b: {c: {d: deep}}}"},
		{"lists", "hosts: [a, b]\nports: [{name: http, port: 80}, {name: https, port: 443}]\nempty: []"},
		{"numbers", "int: 3\nneg: -7\nfloat: 1.5\nexp: 1e3\nbig: 9007199254740993\nquoted: \"3\"\noctal: 0o17"},
		{"booleans and null", "enabled: true\ndisabled: false\nyaml11: yes\nnothing: null\nstr: \"true\""},
		{"empty", "{}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := map[string]any{}
			if err := yaml.Unmarshal([]byte(tt.values), &want); err != nil {
				t.Fatal(err)
			}
			spec := loadOne(t, "  helm:\n    values:\n      "+strings.ReplaceAll(tt.values, "\n", "\n      ")+"\n")
			app, err := FromSpec(spec, "/repo")
			if err != nil {
				t.Fatal(err)
			}
			if got := app.Render.Helm.Values; !reflect.DeepEqual(got, want) {
				t.Errorf("values = %#v\nwant %#v", got, want)
			}
		})
	}
}

func TestFromSpecValuesErrors(t *testing.T) {
	tests := []struct {
		name    string
		values  *apiextensionsv1.JSON
		wantErr string
	}{
		{"none", nil, ""},
		{"null", &apiextensionsv1.JSON{Raw: []byte("null")}, ""},
		{"list", &apiextensionsv1.JSON{Raw: []byte("[1]")}, "app web: helm.values: want a mapping of values"},
		{"number", &apiextensionsv1.JSON{Raw: []byte("3")}, "app web: helm.values: want a mapping of values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := &v1alpha1.AppSpec{Name: "web", Path: ".", Helm: &v1alpha1.HelmSpec{Values: tt.values}}
			app, err := FromSpec(spec, "/repo")
			if tt.wantErr == "" && (err != nil || app.Render.Helm.Values != nil) {
				t.Errorf("FromSpec = %v, %v; want no values", app.Render.Helm.Values, err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// loadOne loads a tugboat.yaml declaring app web with the extra fields.
func loadOne(t *testing.T, fields string) *v1alpha1.AppSpec {
	t.Helper()
	path := filepath.Join(t.TempDir(), v1alpha1.FileName)
	file := "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n- name: web\n  path: .\n" + fields
	if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := v1alpha1.LoadRepositoryFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return &f.Apps[0]
}

// TestOnlySpecReadsTheAPI: the pipeline takes its own options; FromSpec,
// in spec.go, is the one place that maps the API types to them.
func TestOnlySpecReadsTheAPI(t *testing.T) {
	const api = "github.com/tugboat-gitops/tugboat/api/"
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if name == "spec.go" || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); strings.HasPrefix(path, api) {
				t.Errorf("%s imports %s: map the API in spec.go (FromSpec) instead", name, path)
			}
		}
	}
}
