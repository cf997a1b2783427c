package object

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func withAnnotations(kind, name string, ann map[string]string) *Object {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind(kind)
	u.SetName(name)
	u.SetNamespace("ns")
	if len(ann) > 0 {
		u.SetAnnotations(ann)
	}
	return New(u, name+".yaml")
}

func TestHookOf(t *testing.T) {
	tests := []struct {
		name    string
		ann     map[string]string
		want    *Hook
		wantErr string
	}{
		{name: "not a hook", ann: nil, want: nil},
		{name: "pre, default policy", ann: map[string]string{AnnotationHelmHook: "pre-install,pre-upgrade"},
			want: &Hook{Install: true, Upgrade: true, Phase: PhasePre, BeforeCreation: true}},
		{name: "post install only, weighted", ann: map[string]string{AnnotationHelmHook: "post-install", AnnotationHelmHookWeight: "-3", AnnotationHelmDeletePolicy: "hook-succeeded"},
			want: &Hook{Install: true, Phase: PhasePost, Weight: -3, Succeeded: true}},
		{name: "pre and post is pre", ann: map[string]string{AnnotationHelmHook: "pre-install, post-install", AnnotationHelmDeletePolicy: "before-hook-creation,hook-failed"},
			want: &Hook{Install: true, Phase: PhasePre, BeforeCreation: true, Failed: true}},
		{name: "delete hook runs on neither", ann: map[string]string{AnnotationHelmHook: "pre-delete"},
			want: &Hook{Phase: PhasePost, BeforeCreation: true}},
		{name: "bad weight", ann: map[string]string{AnnotationHelmHook: "pre-install", AnnotationHelmHookWeight: "high"}, wantErr: `helm.sh/hook-weight="high"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := HookOf(withAnnotations("Job", "j", tt.ann))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "j") {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
				t.Errorf("HookOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestStepsPhases(t *testing.T) {
	objs := []*Object{
		withAnnotations("ConfigMap", "post", map[string]string{AnnotationHelmHook: "post-upgrade"}),
		withAnnotations("ConfigMap", "app", nil),
		withAnnotations("Job", "late-pre", map[string]string{AnnotationHelmHook: "pre-upgrade", AnnotationHelmHookWeight: "5"}),
		withAnnotations("Job", "early-pre", map[string]string{AnnotationHelmHook: "pre-upgrade", AnnotationHelmHookWeight: "-5"}),
		withAnnotations("Namespace", "ns", nil),
	}
	objs[4].SetNamespace("")
	steps, err := Steps(objs, func(gk schema.GroupKind) (bool, bool) { return gk.Kind != "Namespace", true })
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range steps {
		for _, o := range s.Objects {
			got = append(got, o.GetName())
		}
	}
	want := []string{"early-pre", "late-pre", "ns", "app", "post"}
	if len(got) != len(want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}
