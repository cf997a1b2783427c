package controller

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
