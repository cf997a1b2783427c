package controller

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/failure"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
)

// stalled is a failure the controller finds itself: retrying the same
// spec cannot help.
func stalled(reason string, err error) error {
	return failure.New(failure.Validate, reason, true, err)
}

// setStatus writes into status what a sync of app did: the one place
// where failures become conditions. Conditions whose status does not
// change keep their transition time, so a routine check changes nothing.
func setStatus(status *v1alpha1.ApplicationStatus, app *v1alpha1.Application, res *pipeline.Result, err error) {
	before := readyOf(status)
	setConditions(status, app, res, err)
	// Only a new request changes it, so a routine check writes nothing.
	if v := app.Annotations[v1alpha1.RequestedAtAnnotation]; v != "" {
		status.LastHandledRequestedAt = v
	}
	if res != nil && err == nil && !onlyPlanned(res.ChangeSet) {
		status.Inventory = summary(res.ChangeSet)
	}
	if changed(res) || err != nil && readyOf(status) != before {
		record(status, res, err)
	}
}

// readyOf is the Ready condition's reason and message, to tell a new
// outcome from the same one again.
func readyOf(status *v1alpha1.ApplicationStatus) string {
	if c := meta.FindStatusCondition(status.Conditions, v1alpha1.ReadyCondition); c != nil {
		return string(c.Status) + c.Reason + c.Message
	}
	return ""
}

// changed reports whether a sync wrote anything to the cluster.
func changed(res *pipeline.Result) bool {
	return res != nil && res.ChangeSet != nil && res.ChangeSet.Wrote()
}

// record puts the sync at the head of the status's history.
func record(status *v1alpha1.ApplicationStatus, res *pipeline.Result, err error) {
	r := v1alpha1.SyncRecord{Time: metav1.Now(), Result: "Applied"}
	r.Revision = failure.RevisionOf(err)
	if res != nil {
		r.Revision = res.Revision
		if res.ChangeSet != nil {
			r.Changes = res.ChangeSet.Summary()
		}
	}
	if err != nil {
		r.Result, r.Message = reasonOf(err), truncate(err.Error(), 1024)
	}
	status.History = append([]v1alpha1.SyncRecord{r}, status.History...)
	if len(status.History) > v1alpha1.MaxHistory {
		status.History = status.History[:v1alpha1.MaxHistory]
	}
}

// summary counts what the app owns after a sync, by kind.
func summary(cs *changeset.Set) *v1alpha1.InventorySummary {
	s := &v1alpha1.InventorySummary{Kinds: map[string]int32{}}
	for _, c := range cs.Changes {
		if c.Desired == nil {
			continue
		}
		s.Objects++
		s.Kinds[c.ID.GroupKind().String()]++
	}
	return s
}

func reasonOf(err error) string {
	if f, ok := failure.Of(err); ok {
		return f.Reason
	}
	return "Failed"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func setConditions(status *v1alpha1.ApplicationStatus, app *v1alpha1.Application, res *pipeline.Result, err error) {
	status.ObservedGeneration = app.Generation
	if res != nil && res.Revision != "" {
		status.LastAttemptedRevision = res.Revision
	} else if rev := failure.RevisionOf(err); rev != "" {
		// A commit that fetched but did not render or validate.
		status.LastAttemptedRevision = rev
	}
	if err == nil {
		status.LastAppliedRevision = res.Revision
		setCondition(status, v1alpha1.ReadyCondition, metav1.ConditionTrue, "Applied", "applied revision "+res.Revision, app)
		setCondition(status, v1alpha1.StalledCondition, metav1.ConditionFalse, "Applied", "", app)
		setCondition(status, v1alpha1.ReconcilingCondition, metav1.ConditionFalse, "Applied", "", app)
		if cs := res.ChangeSet; cs != nil && onlyPlanned(cs) && cs.HasChanges() {
			setCondition(status, v1alpha1.SyncedCondition, metav1.ConditionFalse, "OutOfSync", res.ChangeSet.Summary(), app)
		} else {
			setCondition(status, v1alpha1.SyncedCondition, metav1.ConditionTrue, "Synced", "", app)
		}
		return
	}
	reason := reasonOf(err)
	f, ok := failure.Of(err)
	isStalled := ok && f.Stalled
	setCondition(status, v1alpha1.ReadyCondition, metav1.ConditionFalse, reason, truncate(err.Error(), 4096), app)
	stalledStatus := metav1.ConditionFalse
	if isStalled {
		stalledStatus = metav1.ConditionTrue
	}
	setCondition(status, v1alpha1.StalledCondition, stalledStatus, reason, "", app)
	setCondition(status, v1alpha1.ReconcilingCondition, metav1.ConditionFalse, reason, "", app)
}

// onlyPlanned reports whether cs is a plan that was not carried out (self
// heal off, nothing new to apply): no change has an outcome.
func onlyPlanned(cs *changeset.Set) bool {
	for _, c := range cs.Changes {
		if c.Outcome != "" {
			return false
		}
	}
	return true
}

func setCondition(status *v1alpha1.ApplicationStatus, typ string, s metav1.ConditionStatus, reason, msg string, app *v1alpha1.Application) {
	meta.SetStatusCondition(&status.Conditions, metav1.Condition{
		Type: typ, Status: s, Reason: reason, Message: msg, ObservedGeneration: app.Generation,
	})
}
