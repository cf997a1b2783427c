package controller

import (
	"errors"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/failure"
	"github.com/tugboat-gitops/tugboat/internal/image"
	"github.com/tugboat-gitops/tugboat/internal/image/policy"
	"github.com/tugboat-gitops/tugboat/internal/source"
)

// scanFailure types a failed scan once, so that its condition, event,
// metric and retry follow from its reason. None is stalled: a registry
// that refuses or lacks a tag today may not tomorrow, so it is retried
// with backoff. Reading a registry is a fetch.
func scanFailure(err error) error {
	reason := "ScanFailed"
	switch {
	case errors.Is(err, source.ErrAuthFailed):
		reason = "AuthFailed"
	case errors.Is(err, source.ErrAuthRequired):
		reason = "AuthRequired"
	case errors.Is(err, source.ErrNotFound):
		reason = "NotFound"
	case errors.Is(err, policy.ErrNoMatch):
		reason = "NoMatch"
	}
	return failure.New(failure.Fetch, reason, false, err)
}

// setPolicyStatus writes into status what a scan of p found at now: the
// one place where a scan's outcome becomes conditions. A failure keeps the
// last latest image, which Applications go on using. Conditions whose
// status does not change keep their transition time.
//
// lastScanTime is updated only with a change, to keep a no-op scan
// write-free: a scan that finds the same image, tags and conditions
// leaves the status as it was, and the caller writes nothing. It thus
// says when a successful scan last found something new, not when the
// registry was last read; tugboat_image_scans_total counts every scan.
func setPolicyStatus(status *v1alpha1.ImagePolicyStatus, p *v1alpha1.ImagePolicy, res image.Resolved, err error, now time.Time) {
	before := status.DeepCopy()
	status.ObservedGeneration = p.Generation
	if err != nil {
		reason := reasonOf(err)
		f, ok := failure.Of(err)
		stalledStatus := metav1.ConditionFalse
		if ok && f.Stalled {
			stalledStatus = metav1.ConditionTrue
		}
		setPolicyCondition(status, p, v1alpha1.ReadyCondition, metav1.ConditionFalse, reason, truncate(err.Error(), 4096))
		setPolicyCondition(status, p, v1alpha1.StalledCondition, stalledStatus, reason, "")
		setPolicyCondition(status, p, v1alpha1.ReconcilingCondition, metav1.ConditionFalse, reason, "")
		return
	}
	status.LatestImage = res.Image.String()
	status.LatestTag = res.Image.Tag
	status.LatestDigest = res.Image.Digest
	status.ObservedTags = res.Tags
	setPolicyCondition(status, p, v1alpha1.ReadyCondition, metav1.ConditionTrue, "Succeeded", "latest image "+status.LatestImage)
	setPolicyCondition(status, p, v1alpha1.StalledCondition, metav1.ConditionFalse, "Succeeded", "")
	setPolicyCondition(status, p, v1alpha1.ReconcilingCondition, metav1.ConditionFalse, "Succeeded", "")
	if !equality.Semantic.DeepEqual(before, status) {
		status.LastScanTime = &metav1.Time{Time: now}
	}
}

func setPolicyCondition(status *v1alpha1.ImagePolicyStatus, p *v1alpha1.ImagePolicy, typ string, s metav1.ConditionStatus, reason, msg string) {
	meta.SetStatusCondition(&status.Conditions, metav1.Condition{
		Type: typ, Status: s, Reason: reason, Message: msg, ObservedGeneration: p.Generation,
	})
}

// policyReadyOf is the Ready condition's status, reason and message, to
// tell a new outcome from the same one again.
func policyReadyOf(status *v1alpha1.ImagePolicyStatus) string {
	if c := meta.FindStatusCondition(status.Conditions, v1alpha1.ReadyCondition); c != nil {
		return string(c.Status) + c.Reason + c.Message
	}
	return ""
}
