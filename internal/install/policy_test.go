package install

import (
	"slices"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// TestWithoutUnserved: the finalizer policy's two objects stay when the
// cluster serves their kinds in admissionregistration.k8s.io/v1 and are
// left out otherwise (a v1beta1 or the group version alone is not
// enough); every other object of the installation stays whatever is
// served, the CRDs included, which no cluster serves before the install.
func TestWithoutUnserved(t *testing.T) {
	const (
		policy  = "MutatingAdmissionPolicy.admissionregistration.k8s.io/" + FinalizerPolicy
		binding = "MutatingAdmissionPolicyBinding.admissionregistration.k8s.io/" + FinalizerPolicy
	)
	tests := []struct {
		name        string
		served      []string
		wantDropped []string
	}{{
		name: "Kubernetes 1.36 and later",
		served: []string{"v1", "v1/Namespace", "apps/v1/Deployment", "admissionregistration.k8s.io/v1",
			"admissionregistration.k8s.io/v1/MutatingAdmissionPolicy", "admissionregistration.k8s.io/v1/MutatingAdmissionPolicyBinding"},
	}, {
		name: "beta only (Kubernetes 1.34 and 1.35, with the feature on)",
		served: []string{"v1/Namespace", "admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy",
			"admissionregistration.k8s.io/v1beta1/MutatingAdmissionPolicy", "admissionregistration.k8s.io/v1beta1/MutatingAdmissionPolicyBinding"},
		wantDropped: []string{policy, binding},
	}, {
		name:        "the group version without the kinds",
		served:      []string{"admissionregistration.k8s.io/v1"},
		wantDropped: []string{policy, binding},
	}, {
		name:        "nothing served",
		wantDropped: []string{policy, binding},
	}, {
		name:        "the policy without its binding",
		served:      []string{"admissionregistration.k8s.io/v1/MutatingAdmissionPolicy"},
		wantDropped: []string{binding},
	}}
	all, err := Objects("registry.example.com/tug@sha256:0123")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kept, dropped := WithoutUnserved(all, tt.served)
			if got := ids(dropped); !slices.Equal(got, tt.wantDropped) {
				t.Errorf("dropped %q, want %q", got, tt.wantDropped)
			}
			if len(kept)+len(dropped) != len(all) {
				t.Errorf("kept %d and dropped %d of %d objects", len(kept), len(dropped), len(all))
			}
			for _, o := range kept {
				if slices.Contains(tt.wantDropped, o.ID().String()) {
					t.Errorf("kept %s", o.ID())
				}
			}
		})
	}
}

// TestObjectsHoldThePolicy: the installation holds the policy and its
// binding, named alike.
func TestObjectsHoldThePolicy(t *testing.T) {
	all, err := Objects("registry.example.com/tug@sha256:0123")
	if err != nil {
		t.Fatal(err)
	}
	_, dropped := WithoutUnserved(all, nil)
	want := []string{
		"MutatingAdmissionPolicy.admissionregistration.k8s.io/" + FinalizerPolicy,
		"MutatingAdmissionPolicyBinding.admissionregistration.k8s.io/" + FinalizerPolicy,
	}
	if got := ids(dropped); !slices.Equal(got, want) {
		t.Errorf("the policy objects are %q, want %q", got, want)
	}
}

// ids returns the objects' IDs as strings, sorted.
func ids(objs []*object.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.ID().String()
	}
	slices.Sort(out)
	return out
}
