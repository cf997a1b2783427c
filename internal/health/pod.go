package health

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// fatalWaiting are the container waiting reasons that do not clear without
// a change to the pod's spec or what it refers to.
var fatalWaiting = map[string]bool{
	"CrashLoopBackOff":           true,
	"ImagePullBackOff":           true,
	"ErrImagePull":               true,
	"ErrImageNeverPull":          true,
	"InvalidImageName":           true,
	"CreateContainerConfigError": true,
	"CreateContainerError":       true,
	"RunContainerError":          true,
}

// problem is what is wrong with one pod.
type problem struct {
	reason, message string
	// fatal marks a problem the pod will not recover from by itself.
	fatal bool
}

// podProblem returns the first thing wrong with a pod, looking at what
// blocks it earliest: its init containers, its containers, its scheduling,
// and finally a failed phase (e.g. Evicted).
func podProblem(pod *unstructured.Unstructured) (problem, bool) {
	for _, field := range []string{"initContainerStatuses", "containerStatuses"} {
		if p, ok := containerProblem(pod, field); ok {
			return p, true
		}
	}
	if c, ok := findCondition(pod, "PodScheduled"); ok && c.Status == "False" && c.Reason == "Unschedulable" {
		return problem{reason: c.Reason, message: c.Message}, true
	}
	phase, _, _ := unstructured.NestedString(pod.Object, "status", "phase")
	reason, _, _ := unstructured.NestedString(pod.Object, "status", "reason")
	if phase == "Failed" && reason != "" {
		msg, _, _ := unstructured.NestedString(pod.Object, "status", "message")
		return problem{reason: reason, message: msg}, true
	}
	return problem{}, false
}

// containerProblem finds a container of status.<field> waiting on a fatal
// reason. For a crash loop, how the container last ended (OOMKilled, exit
// code 1) says more than the kubelet's back-off message.
func containerProblem(pod *unstructured.Unstructured, field string) (problem, bool) {
	statuses, _, _ := unstructured.NestedSlice(pod.Object, "status", field)
	for _, s := range statuses {
		cs, ok := s.(map[string]any)
		if !ok {
			continue
		}
		reason, _, _ := unstructured.NestedString(cs, "state", "waiting", "reason")
		if !fatalWaiting[reason] {
			continue
		}
		name, _, _ := unstructured.NestedString(cs, "name")
		detail, _, _ := unstructured.NestedString(cs, "state", "waiting", "message")
		if last, ok := lastExit(cs); ok && reason == "CrashLoopBackOff" {
			detail = last
		}
		msg := "container " + name
		if detail != "" {
			msg += ": " + detail
		}
		return problem{reason: reason, message: msg, fatal: true}, true
	}
	return problem{}, false
}

// lastExit describes how a container last terminated, e.g.
// "last exit OOMKilled (code 137)".
func lastExit(cs map[string]any) (string, bool) {
	term, found, _ := unstructured.NestedMap(cs, "lastState", "terminated")
	if !found {
		return "", false
	}
	reason, _, _ := unstructured.NestedString(term, "reason")
	code, _, _ := unstructured.NestedInt64(term, "exitCode")
	if reason == "" {
		reason = "terminated"
	}
	return fmt.Sprintf("last exit %s (code %d)", reason, code), true
}
