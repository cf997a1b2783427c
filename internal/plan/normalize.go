package plan

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// kubectlLastApplied is where kubectl's client-side apply keeps a full copy
// of the object it applied. It can hold a Secret's values, so it is dropped
// from every diff and redacted wherever an object is shown.
const kubectlLastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// serverMetadata lists the metadata fields the API server writes. None of
// them is something Tugboat owns, so none of them is drift.
var serverMetadata = []string{
	"managedFields",
	"resourceVersion",
	"uid",
	"generation",
	"creationTimestamp",
	"selfLink",
	// A deletion in progress is reported by the action and its reason,
	// not as a field that apply would change.
	"deletionTimestamp",
	"deletionGracePeriodSeconds",
}

// noiseAnnotations lists annotations that change without a change Tugboat
// should report. The applied hash changes with every change to the object,
// so showing it says nothing the rest of the diff does not.
var noiseAnnotations = []string{kubectlLastApplied, object.AnnotationHash}

// Normalize returns a copy of u without the fields that are not Tugboat's
// to compare: server-written metadata, status, the last-applied and
// applied-hash annotations, and labels or annotations left empty. u is not
// changed; a nil u gives nil.
func Normalize(u *unstructured.Unstructured) *unstructured.Unstructured {
	if u == nil {
		return nil
	}
	out := u.DeepCopy()
	// Status is written by controllers; apply never changes it.
	unstructured.RemoveNestedField(out.Object, "status")
	for _, f := range serverMetadata {
		unstructured.RemoveNestedField(out.Object, "metadata", f)
	}
	for _, a := range noiseAnnotations {
		unstructured.RemoveNestedField(out.Object, "metadata", "annotations", a)
	}
	// An empty map and a missing one mean the same to the API server;
	// dropping both keeps "annotations: {}" out of a diff.
	dropEmptyMap(out.Object, "metadata", "annotations")
	dropEmptyMap(out.Object, "metadata", "labels")
	return out
}

// dropEmptyMap removes the field at path when it is null or an empty map.
func dropEmptyMap(obj map[string]any, path ...string) {
	v, found, err := unstructured.NestedFieldNoCopy(obj, path...)
	if !found || err != nil {
		return
	}
	if m, ok := v.(map[string]any); v == nil || (ok && len(m) == 0) {
		unstructured.RemoveNestedField(obj, path...)
	}
}
