package controller

import (
	"errors"

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
	status.ObservedGeneration = app.Generation
	if res != nil && res.Revision != "" {
		status.LastAttemptedRevision = res.Revision
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
	reason, isStalled := "Failed", false
	var f *failure.Error
	if errors.As(err, &f) {
		reason, isStalled = f.Reason, f.Stalled
	}
	setCondition(status, v1alpha1.ReadyCondition, metav1.ConditionFalse, reason, err.Error(), app)
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
