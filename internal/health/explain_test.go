package health

import (
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestExplain(t *testing.T) {
	tests := []struct {
		file    string
		status  Status
		message string
	}{
		{"deployment-unschedulable.yaml", InProgress, "0/1 replicas available; pod web-7d9c5b8f4-ccccc: " +
			"Unschedulable: 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."},
		{"deployment-rollout-crashloop.yaml", InProgress, "2/2 replicas available, 1/2 updated; " +
			"pod web-new-ccccc: CrashLoopBackOff: container web: last exit OOMKilled (code 137)"},
		{"statefulset-imagepull.yaml", InProgress, `0/2 replicas ready; pod db-0: ImagePullBackOff: ` +
			`container db: Back-off pulling image "postgres:nope"`},
		{"deployment-evicted.yaml", InProgress, "0/1 replicas available; pod web-7d9c5b8f4-aaaaa: " +
			"Evicted: The node was low on resource: memory."},
		{"deployment-pods-starting.yaml", InProgress, "0/2 replicas available"},
		{"deployment-current.yaml", Current, "1/1 replicas available"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			objs := readFixture(t, filepath.Join("explain", tt.file))
			workload := objs[0].Unstructured
			var pods []*unstructured.Unstructured
			for _, o := range objs[1:] {
				pods = append(pods, o.Unstructured)
			}
			got := Explain(Compute(workload), workload, pods)
			if got.Status != tt.status || got.Message != tt.message {
				t.Errorf("Explain(%s) = %s %q\nwant %s %q", tt.file, got.Status, got.Message, tt.status, tt.message)
			}
		})
	}
}

func TestExplainLeavesOthersAlone(t *testing.T) {
	pod := readFixture(t, "pod-crashloop.yaml")[0].Unstructured
	cm := readFixture(t, "configmap.yaml")[0].Unstructured
	for _, u := range []*unstructured.Unstructured{pod, cm} {
		r := Compute(u)
		if got := Explain(r, u, []*unstructured.Unstructured{pod}); got != r {
			t.Errorf("Explain(%s) changed a non-workload result: %+v", r.ID, got)
		}
	}
}

func TestExplainWithoutSelector(t *testing.T) {
	workload := readFixture(t, "explain/deployment-pods-starting.yaml")[0].Unstructured
	unstructured.RemoveNestedField(workload.Object, "spec", "selector")
	pod := readFixture(t, "pod-crashloop.yaml")[0].Unstructured
	r := Compute(workload)
	if got := Explain(r, workload, []*unstructured.Unstructured{pod}); got != r {
		t.Errorf("Explain without a selector matched pods: %+v", got)
	}
}
