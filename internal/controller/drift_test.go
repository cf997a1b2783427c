package controller

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/tugboat-gitops/tugboat/internal/inventory"
)

func TestDrifted(t *testing.T) {
	base := func() *metav1.PartialObjectMetadata {
		return &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
			Generation: 2, Labels: map[string]string{"a": "1"}, Annotations: map[string]string{"x": "y"},
			ManagedFields: []metav1.ManagedFieldsEntry{
				{Manager: "tugboat", Operation: metav1.ManagedFieldsOperationApply, FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:spec":{}}`)}},
				{Manager: "kube-controller-manager", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "status", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:status":{}}`)}},
			},
		}}
	}
	tests := []struct {
		name   string
		change func(m *metav1.PartialObjectMetadata)
		want   bool
	}{
		{"nothing", func(*metav1.PartialObjectMetadata) {}, false},
		{"status written by a controller", func(m *metav1.PartialObjectMetadata) {
			m.ResourceVersion = "9"
			m.ManagedFields[1].FieldsV1 = &metav1.FieldsV1{Raw: []byte(`{"f:status":{"f:replicas":{}}}`)}
		}, false},
		{"spec edited (generation)", func(m *metav1.PartialObjectMetadata) { m.Generation = 3 }, true},
		{"hand edit of a ConfigMap (a new manager)", func(m *metav1.PartialObjectMetadata) {
			m.ManagedFields = append(m.ManagedFields, metav1.ManagedFieldsEntry{Manager: "kubectl-edit", Operation: metav1.ManagedFieldsOperationUpdate, FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:data":{}}`)}})
		}, true},
		{"label removed", func(m *metav1.PartialObjectMetadata) { delete(m.Labels, "a") }, true},
		{"annotation changed", func(m *metav1.PartialObjectMetadata) { m.Annotations["x"] = "z" }, true},
		{"being deleted", func(m *metav1.PartialObjectMetadata) { now := metav1.Now(); m.DeletionTimestamp = &now }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := base()
			tt.change(cur)
			if got := drifted(base(), cur); got != tt.want {
				t.Errorf("drifted = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestOwnApply: the watch event of Tugboat's own apply is not drift; an
// edit by anyone else, or one that takes Tugboat's fields away, is.
func TestOwnApply(t *testing.T) {
	cm := schema.GroupResource{Resource: "configmaps"}
	entry := func(manager, fields string) metav1.ManagedFieldsEntry {
		op := metav1.ManagedFieldsOperationUpdate
		if manager == "tugboat" {
			op = metav1.ManagedFieldsOperationApply
		}
		return metav1.ManagedFieldsEntry{Manager: manager, Operation: op, FieldsV1: &metav1.FieldsV1{Raw: []byte(fields)}}
	}
	obj := func(entries ...metav1.ManagedFieldsEntry) *metav1.PartialObjectMetadata {
		return &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "ns", ManagedFields: entries}}
	}
	before := obj(entry("tugboat", `{"f:data":{"f:k":{}}}`))
	ours := entry("tugboat", `{"f:data":{"f:k":{},"f:l":{}}}`)
	tests := []struct {
		name     string
		recorded *metav1.ManagedFieldsEntry
		cur      *metav1.PartialObjectMetadata
		want     bool
	}{
		{"our apply, recorded", &ours, obj(ours), true},
		{"our apply, not recorded yet", nil, obj(ours), false},
		{"a hand edit beside our fields", &ours, obj(ours, entry("kubectl-edit", `{"f:data":{"f:m":{}}}`)), false},
		{"our fields taken away", &ours, obj(entry("tugboat", `{"f:data":{"f:k":{}}}`)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &driftWatch{wrote: map[objectKey]string{}}
			if tt.recorded != nil {
				d.applied(objectKey{cm, "ns", "a"}, inventory.ManagedFieldsHash([]metav1.ManagedFieldsEntry{*tt.recorded}))
			}
			if got := d.own(cm, before, tt.cur); got != tt.want {
				t.Errorf("own = %v, want %v", got, tt.want)
			}
		})
	}
}
