package apply

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
)

func TestExisted(t *testing.T) {
	ours := metav1.ManagedFieldsEntry{Manager: cluster.FieldManager, Operation: metav1.ManagedFieldsOperationApply}
	tests := []struct {
		name   string
		fields []metav1.ManagedFieldsEntry
		want   bool
	}{
		{"created by our apply", []metav1.ManagedFieldsEntry{ours}, false},
		{"kubectl created it", []metav1.ManagedFieldsEntry{ours, {Manager: "kubectl-create", Operation: metav1.ManagedFieldsOperationUpdate}}, true},
		{"another applier has fields", []metav1.ManagedFieldsEntry{{Manager: "helm", Operation: metav1.ManagedFieldsOperationApply}, ours}, true},
		{"our manager, by update", []metav1.ManagedFieldsEntry{ours, {Manager: cluster.FieldManager, Operation: metav1.ManagedFieldsOperationUpdate}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := existed(tt.fields); got != tt.want {
				t.Errorf("existed = %v, want %v", got, tt.want)
			}
		})
	}
}
