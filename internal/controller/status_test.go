package controller

import (
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/failure"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
)

func TestSetStatus(t *testing.T) {
	app := &v1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Name: "web", Generation: 3}}
	tests := []struct {
		name        string
		res         *pipeline.Result
		err         error
		wantReady   metav1.ConditionStatus
		wantReason  string
		wantStalled metav1.ConditionStatus
		wantApplied string
		wantSynced  metav1.ConditionStatus
		// wantAttempted, when set: the revision status calls attempted.
		wantAttempted string
	}{
		{name: "applied", res: &pipeline.Result{Revision: "main@sha1:abc", ChangeSet: &changeset.Set{Changes: []changeset.Change{{Action: changeset.Update, Outcome: changeset.Applied}}}},
			wantReady: metav1.ConditionTrue, wantReason: "Applied", wantStalled: metav1.ConditionFalse, wantApplied: "main@sha1:abc", wantSynced: metav1.ConditionTrue},
		{name: "drift shown, not corrected", res: &pipeline.Result{Revision: "main@sha1:abc", ChangeSet: &changeset.Set{Changes: []changeset.Change{{Action: changeset.Update}}}},
			wantReady: metav1.ConditionTrue, wantReason: "Applied", wantStalled: metav1.ConditionFalse, wantApplied: "main@sha1:abc", wantSynced: metav1.ConditionFalse},
		{name: "bad commit stalls", err: failure.AtRevision(failure.New(failure.Render, "RenderFailed", true, errors.New("apps/web/x.yaml: bad")), "main@sha1:bad"),
			wantReady: metav1.ConditionFalse, wantReason: "RenderFailed", wantStalled: metav1.ConditionTrue, wantAttempted: "main@sha1:bad"},
		{name: "git unreachable retries", err: failure.New(failure.Fetch, "FetchFailed", false, errors.New("connection refused")),
			wantReady: metav1.ConditionFalse, wantReason: "FetchFailed", wantStalled: metav1.ConditionFalse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s v1alpha1.ApplicationStatus
			setStatus(&s, app, tt.res, tt.err)
			r := meta.FindStatusCondition(s.Conditions, v1alpha1.ReadyCondition)
			st := meta.FindStatusCondition(s.Conditions, v1alpha1.StalledCondition)
			if r == nil || r.Status != tt.wantReady || r.Reason != tt.wantReason || st == nil || st.Status != tt.wantStalled ||
				s.LastAppliedRevision != tt.wantApplied || s.ObservedGeneration != 3 || r.ObservedGeneration != 3 {
				t.Errorf("status %+v", s)
			}
			if tt.wantAttempted != "" && (s.LastAttemptedRevision != tt.wantAttempted || s.History[0].Revision != tt.wantAttempted) {
				t.Errorf("attempted %q, history %v; want %s in both", s.LastAttemptedRevision, s.History, tt.wantAttempted)
			}
			if sy := meta.FindStatusCondition(s.Conditions, v1alpha1.SyncedCondition); tt.wantSynced != "" && (sy == nil || sy.Status != tt.wantSynced) {
				t.Errorf("Synced = %+v, want %s", sy, tt.wantSynced)
			}
			// A sync that wrote, or a new failure, is recorded; drift shown
			// is not a sync.
			wantHistory := 1
			if tt.wantSynced == metav1.ConditionFalse {
				wantHistory = 0
			}
			if len(s.History) != wantHistory || (tt.wantSynced == metav1.ConditionTrue) != (s.Inventory != nil) {
				t.Errorf("history %v, inventory %v", s.History, s.Inventory)
			}
			// A check that finds nothing new, or the same failure again,
			// changes nothing: no status write.
			again := *s.DeepCopy()
			repeat := tt.res
			if changed(repeat) {
				repeat = &pipeline.Result{Revision: repeat.Revision, ChangeSet: &changeset.Set{Changes: []changeset.Change{{Action: changeset.Unchanged, Outcome: changeset.Kept}}}}
			}
			setStatus(&again, app, repeat, tt.err)
			if !equality.Semantic.DeepEqual(s, again) {
				t.Errorf("a repeated outcome changed the status:\n%+v\n%+v", s, again)
			}
		})
	}
}

// TestRequestHandled: a sync echoes the tug sync request it handled, and
// only a new request changes the status.
func TestRequestHandled(t *testing.T) {
	res := &pipeline.Result{Revision: "main@sha1:abc", ChangeSet: &changeset.Set{}}
	tests := []struct {
		name, annotation, before, want string
	}{
		{"no request", "", "", ""},
		{"a new request", "2026-01-02T03:04:05Z", "", "2026-01-02T03:04:05Z"},
		{"the same request again", "2026-01-02T03:04:05Z", "2026-01-02T03:04:05Z", "2026-01-02T03:04:05Z"},
		{"the annotation removed: the last one stays", "", "2026-01-02T03:04:05Z", "2026-01-02T03:04:05Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := &v1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Name: "web", Generation: 1}}
			if tt.annotation != "" {
				app.Annotations = map[string]string{v1alpha1.RequestedAtAnnotation: tt.annotation}
			}
			s := v1alpha1.ApplicationStatus{LastHandledRequestedAt: tt.before}
			setStatus(&s, app, res, nil)
			if s.LastHandledRequestedAt != tt.want {
				t.Errorf("lastHandledRequestedAt = %q, want %q", s.LastHandledRequestedAt, tt.want)
			}
		})
	}
}
