package plan

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

const gizmoCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gizmos.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Gizmo, plural: gizmos}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        required: [spec]
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1}
              color: {type: string, enum: [red, blue]}
  - name: v0
    served: false
    storage: false
    schema:
      openAPIV3Schema: {type: object}
`

func yamlObject(t *testing.T, s string) *object.Object {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return object.New(&unstructured.Unstructured{Object: m}, "test.yaml")
}

func TestValidateWithCRD(t *testing.T) {
	crds := crdsOf([]*object.Object{yamlObject(t, gizmoCRD)})
	tests := []struct {
		name    string
		obj     string
		wantErr []string
	}{
		{"valid", "apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g}\nspec: {size: 2, color: red}\n", nil},
		{"wrong type", "apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g}\nspec: {size: two}\n", []string{"Gizmo", "spec.size", "integer"}},
		{"below minimum", "apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g}\nspec: {size: 0}\n", []string{"spec.size"}},
		{"not in enum", "apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g}\nspec: {size: 1, color: green}\n", []string{"spec.color"}},
		{"required missing", "apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g}\n", []string{"spec"}},
		{"version not served", "apiVersion: example.com/v0\nkind: Gizmo\nmetadata: {name: g}\n", []string{"v0 is not served"}},
		{"version unknown", "apiVersion: example.com/v9\nkind: Gizmo\nmetadata: {name: g}\n", []string{"no version v9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := yamlObject(t, tt.obj)
			crd := crds[o.GroupVersionKind().GroupKind()]
			if crd == nil {
				t.Fatal("no CRD found for the kind")
			}
			err := validateWithCRD(o, crd)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one naming %v", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
