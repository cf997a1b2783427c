package health

import (
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// Explain adds to r, the result of workload, the first meaningful problem
// among the workload's pods: "0/1 replicas available; pod web-7d9c-abc:
// Unschedulable: 0/1 nodes are available: ...". A workload's status says
// only that replicas are missing; its pods say why.
//
// pods may hold any pods; those of workload are the ones in its namespace
// matching its selector and not being deleted. The newest are looked at
// first, as they belong to the rollout under way. The status is left alone:
// a crash-looping pod may yet recover (a dependency coming up), and a
// Deployment's progress deadline is what declares the rollout failed.
// Results that are Current, or not of a workload kind, are returned as is.
func Explain(r Result, workload *unstructured.Unstructured, pods []*unstructured.Unstructured) Result {
	if r.Ready() || workload == nil || !IsWorkload(r.ID.GroupKind()) {
		return r
	}
	selector, ok := podSelector(workload)
	if !ok {
		return r
	}
	for _, pod := range ownPods(workload.GetNamespace(), selector, pods) {
		if p, ok := podProblem(pod); ok {
			r.Message = joinMessage(r.Message, "pod "+pod.GetName(), reasonMessage(p.reason, p.message))
			return r
		}
	}
	return r
}

// podSelector parses the workload's spec.selector. An empty selector would
// match every pod of the namespace, so it counts as none.
func podSelector(workload *unstructured.Unstructured) (labels.Selector, bool) {
	raw, found, err := unstructured.NestedMap(workload.Object, "spec", "selector")
	if !found || err != nil {
		return nil, false
	}
	var ls metav1.LabelSelector
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &ls); err != nil {
		return nil, false
	}
	selector, err := metav1.LabelSelectorAsSelector(&ls)
	if err != nil || selector.Empty() {
		return nil, false
	}
	return selector, true
}

// ownPods returns the live pods of namespace matching selector, newest
// first, then by name so the choice is stable from one poll to the next.
func ownPods(namespace string, selector labels.Selector, pods []*unstructured.Unstructured) []*unstructured.Unstructured {
	var own []*unstructured.Unstructured
	for _, pod := range pods {
		if pod.GetNamespace() == namespace && pod.GetDeletionTimestamp() == nil &&
			selector.Matches(labels.Set(pod.GetLabels())) {
			own = append(own, pod)
		}
	}
	sort.SliceStable(own, func(i, j int) bool {
		ti, tj := own[i].GetCreationTimestamp(), own[j].GetCreationTimestamp()
		if !ti.Equal(&tj) {
			return tj.Before(&ti)
		}
		return own[i].GetName() < own[j].GetName()
	})
	return own
}

// Detail renders the result's "reason: message", leaving out an empty
// part.
func (r Result) Detail() string { return reasonMessage(r.Reason, r.Message) }

// reasonMessage renders "reason: message", leaving out an empty part.
func reasonMessage(reason, message string) string {
	switch {
	case reason == "":
		return message
	case message == "":
		return reason
	}
	return reason + ": " + message
}
