package plan

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]any
		want map[string]any
	}{
		{
			name: "server metadata and status dropped",
			in: map[string]any{
				"kind": "ConfigMap",
				"metadata": map[string]any{
					"name": "a", "uid": "u", "resourceVersion": "1", "generation": int64(2),
					"creationTimestamp": "t", "selfLink": "/x", "managedFields": []any{map[string]any{}},
					"deletionTimestamp": "t", "deletionGracePeriodSeconds": int64(30),
				},
				"status": map[string]any{"phase": "Active"},
			},
			want: map[string]any{"kind": "ConfigMap", "metadata": map[string]any{"name": "a"}},
		},
		{
			name: "noise annotations dropped, others kept",
			in: map[string]any{"metadata": map[string]any{"annotations": map[string]any{
				kubectlLastApplied: "{}", "tugboat.dev/applied-hash": "abc", "team": "edge",
			}}},
			want: map[string]any{"metadata": map[string]any{"annotations": map[string]any{"team": "edge"}}},
		},
		{
			name: "maps left empty dropped",
			in: map[string]any{"metadata": map[string]any{
				"name": "a", "labels": map[string]any{}, "annotations": map[string]any{kubectlLastApplied: "{}"},
			}},
			want: map[string]any{"metadata": map[string]any{"name": "a"}},
		},
		{
			name: "null labels dropped",
			in:   map[string]any{"metadata": map[string]any{"name": "a", "labels": nil}},
			want: map[string]any{"metadata": map[string]any{"name": "a"}},
		},
		{
			name: "owned fields kept",
			in: map[string]any{
				"metadata": map[string]any{"name": "a", "finalizers": []any{"x"}, "labels": map[string]any{"app": "a"}},
				"spec":     map[string]any{"replicas": int64(3)},
			},
			want: map[string]any{
				"metadata": map[string]any{"name": "a", "finalizers": []any{"x"}, "labels": map[string]any{"app": "a"}},
				"spec":     map[string]any{"replicas": int64(3)},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := &unstructured.Unstructured{Object: tc.in}
			orig := in.DeepCopy()
			got := Normalize(in)
			if !equalObjects(got, &unstructured.Unstructured{Object: tc.want}) {
				t.Errorf("Normalize = %v, want %v", got.Object, tc.want)
			}
			if !equalObjects(in, orig) {
				t.Errorf("Normalize changed its input")
			}
		})
	}
}

func TestNormalizeNil(t *testing.T) {
	if got := Normalize(nil); got != nil {
		t.Fatalf("Normalize(nil) = %v, want nil", got)
	}
}
