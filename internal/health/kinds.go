package health

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

// workloadKinds own pods through a label selector.
var workloadKinds = map[schema.GroupKind]bool{
	{Group: "apps", Kind: "Deployment"}:       true,
	{Group: "apps", Kind: "StatefulSet"}:      true,
	{Group: "apps", Kind: "DaemonSet"}:        true,
	{Group: "apps", Kind: "ReplicaSet"}:       true,
	{Group: "extensions", Kind: "Deployment"}: true,
	{Group: "extensions", Kind: "DaemonSet"}:  true,
	{Group: "extensions", Kind: "ReplicaSet"}: true,
}

// IsWorkload reports whether gk runs pods chosen by a label selector
// (Deployment, StatefulSet, DaemonSet, ReplicaSet), the kinds Explain
// looks into.
func IsWorkload(gk schema.GroupKind) bool { return workloadKinds[gk] }

// countReasons are the reasons kstatus makes up while replicas are short;
// the replica summary says the same in words, so they are dropped.
var countReasons = map[string]bool{
	"LessReplicas": true, "LessUpdated": true, "LessAvailable": true,
	"LessReady": true, "LessCurrent": true, "LessLabelled": true,
	"ExtraPods": true, "ReplicaSetNotAvailable": true,
	"DeploymentNotAvailable": true, "PartitionRollout": true,
	"RevisionMismatch": true, "ReplicaFailure": true,
}

// workloadResult replaces kstatus's counting messages ("Available: 2/3")
// with a replica summary ("2/3 replicas available"). Other messages, such as
// a generation not yet observed, are kept: the counts would be stale.
func workloadResult(u *unstructured.Unstructured, r Result) Result {
	switch {
	case r.Reason == "ProgressDeadlineExceeded":
		r.Message = replicaSummary(u)
	case r.Status == Current || countReasons[r.Reason]:
		r.Reason, r.Message = "", replicaSummary(u)
	default:
		return r
	}
	// A quota or admission webhook refusing pods shows only here.
	if c, ok := findCondition(u, "ReplicaFailure"); ok && c.Status == "True" {
		if r.Reason == "" {
			r.Reason = c.Reason
		}
		r.Message = joinMessage(r.Message, c.Reason, c.Message)
	}
	return r
}

// replicaSummary counts what a person watching a rollout asks about, in
// the words of `kubectl rollout status`.
func replicaSummary(u *unstructured.Unstructured) string {
	obj := u.Object
	spec := status.GetIntField(obj, ".spec.replicas", 1)
	switch u.GetKind() {
	case "Deployment":
		msg := fmt.Sprintf("%d/%d replicas available", status.GetIntField(obj, ".status.availableReplicas", 0), spec)
		updated := status.GetIntField(obj, ".status.updatedReplicas", 0)
		if updated < spec {
			return msg + fmt.Sprintf(", %d/%d updated", updated, spec)
		}
		if old := status.GetIntField(obj, ".status.replicas", 0) - updated; old > 0 {
			msg += fmt.Sprintf(", %d old pending termination", old)
		}
		return msg
	case "StatefulSet":
		msg := fmt.Sprintf("%d/%d replicas ready", status.GetIntField(obj, ".status.readyReplicas", 0), spec)
		if updated := status.GetIntField(obj, ".status.updatedReplicas", 0); updated < spec &&
			status.GetStringField(obj, ".status.updateRevision", "") != status.GetStringField(obj, ".status.currentRevision", "") {
			msg += fmt.Sprintf(", %d/%d updated", updated, spec)
		}
		return msg
	case "DaemonSet":
		desired := status.GetIntField(obj, ".status.desiredNumberScheduled", 0)
		msg := fmt.Sprintf("%d/%d pods available", status.GetIntField(obj, ".status.numberAvailable", 0), desired)
		if updated := status.GetIntField(obj, ".status.updatedNumberScheduled", 0); updated < desired {
			msg += fmt.Sprintf(", %d/%d updated", updated, desired)
		}
		return msg
	default:
		return fmt.Sprintf("%d/%d replicas available", status.GetIntField(obj, ".status.availableReplicas", 0), spec)
	}
}

// jobResult names why a Job failed (BackoffLimitExceeded, DeadlineExceeded,
// PodFailurePolicy) where kstatus says only "JobFailed". FailureTarget is
// set as soon as the Job is doomed, before Failed waits for its pods to
// end, so both count.
func jobResult(u *unstructured.Unstructured, r Result) Result {
	for _, t := range []string{"Failed", "FailureTarget"} {
		c, ok := findCondition(u, t)
		if !ok || c.Status != "True" {
			continue
		}
		r.Status = Failed
		if c.Reason != "" {
			r.Reason = c.Reason
		}
		if c.Message != "" {
			r.Message = c.Message
		}
		return r
	}
	return r
}

// podResult names a pending or unready Pod's problem. A container stuck on
// a fatal waiting reason makes the Pod Failed: the kubelet only retries it
// with back-off, it needs a change (image, config, command) in nearly every
// case, and a deploy waiting on it wants the answer now, not at its timeout.
// An unschedulable Pod keeps kstatus's status (Failed after 15 seconds), as
// a node may yet be added.
func podResult(u *unstructured.Unstructured, r Result) Result {
	if r.Status == Current {
		return r // also Succeeded and Failed phases: the pod has run
	}
	p, ok := podProblem(u)
	if !ok {
		return r
	}
	r.Reason, r.Message = p.reason, p.message
	if p.fatal {
		r.Status = Failed
	}
	return r
}

// findCondition returns u's status condition of type t.
func findCondition(u *unstructured.Unstructured, t string) (status.BasicCondition, bool) {
	obj, err := status.GetObjectWithConditions(u.Object)
	if err != nil {
		return status.BasicCondition{}, false
	}
	for _, c := range obj.Status.Conditions {
		if c.Type == t {
			return c, true
		}
	}
	return status.BasicCondition{}, false
}

// joinMessage appends "reason: detail" to msg with "; ", leaving out
// empty parts.
func joinMessage(msg, reason, detail string) string {
	add := reasonMessage(reason, detail)
	switch {
	case add == "":
		return msg
	case msg == "":
		return add
	}
	return msg + "; " + add
}
