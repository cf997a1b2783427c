// Package health tells whether the objects Tugboat applied have settled:
// kstatus computes each object's status, per-kind rules add the reason a
// person needs (a progress deadline, a failed Job, a crash-looping Pod), and
// Wait polls a cluster until every object is Current, one fails, or time
// runs out.
//
// Compute and Explain are pure: they read the objects they are given and
// never the cluster, so they are tested with YAML fixtures.
package health

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// Status is the kstatus verdict on one object.
type Status string

// The statuses are those of kstatus, so tools that speak kstatus read ours
// the same way.
const (
	// Current means the object has reached its desired state.
	Current Status = "Current"
	// InProgress means a controller is still working towards it.
	InProgress Status = "InProgress"
	// Failed means it will not get there without a change.
	Failed Status = "Failed"
	// Terminating means the object is being deleted.
	Terminating Status = "Terminating"
	// NotFound means the object does not exist in the cluster.
	NotFound Status = "NotFound"
	// Unknown means the status could not be computed or read.
	Unknown Status = "Unknown"
)

// Result is the health of one object.
type Result struct {
	ID     object.ID `json:"id"`
	Status Status    `json:"status"`
	// Reason is a CamelCase cause, empty when the message says it all
	// (e.g. ProgressDeadlineExceeded, BackoffLimitExceeded, CrashLoopBackOff).
	Reason string `json:"reason,omitempty"`
	// Message says what the object is doing, for people.
	Message string `json:"message,omitempty"`
}

// Ready reports whether the object has settled.
func (r Result) Ready() bool { return r.Status == Current }

// String renders the result as "id: status[: reason][: message]".
func (r Result) String() string {
	parts := []string{r.ID.String(), string(r.Status)}
	if r.Reason != "" {
		parts = append(parts, r.Reason)
	}
	if r.Message != "" {
		parts = append(parts, r.Message)
	}
	return strings.Join(parts, ": ")
}

// Compute returns the health of u, which must carry its live status.
//
// The status is kstatus's, with two exceptions where kstatus lacks what a
// waiting deploy needs: a Pod whose container waits on CrashLoopBackOff,
// ImagePullBackOff, ErrImagePull, CreateContainerConfigError and the like
// is Failed (kstatus says InProgress while the pod is Pending), and a Job
// with a FailureTarget condition is Failed before its pods are gone. The
// reason and message are rewritten per kind to name the cause.
//
// kstatus reads the clock for one rule only: a Pod unschedulable for more
// than 15 seconds is Failed, younger ones InProgress.
func Compute(u *unstructured.Unstructured) Result {
	r := Result{ID: object.New(u, "").ID(), Status: Unknown}
	ks, err := status.Compute(u)
	if err != nil {
		r.Message = fmt.Sprintf("compute status: %v", err)
		return r
	}
	r.Status = Status(ks.Status)
	r.Message = ks.Message
	if len(ks.Conditions) > 0 {
		r.Reason = ks.Conditions[0].Reason
	}
	if r.Status == Terminating {
		return r
	}
	return enrich(u, r)
}

// enrich applies the per-kind rules of kinds.go.
func enrich(u *unstructured.Unstructured, r Result) Result {
	gk := r.ID.GroupKind()
	switch {
	case IsWorkload(gk):
		return workloadResult(u, r)
	case gk.Group == "batch" && gk.Kind == "Job":
		return jobResult(u, r)
	case gk.Group == "" && gk.Kind == "Pod":
		return podResult(u, r)
	}
	return r
}

// NotFoundResult is the result for an object missing from the cluster.
func NotFoundResult(id object.ID) Result {
	return Result{ID: id, Status: NotFound}
}
