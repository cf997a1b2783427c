package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
)

func TestSyncOutcome(t *testing.T) {
	ready := func(s metav1.ConditionStatus, reason, msg string) []metav1.Condition {
		return []metav1.Condition{{Type: v1alpha1.ReadyCondition, Status: s, Reason: reason, Message: msg}}
	}
	tests := []struct {
		name    string
		status  v1alpha1.ApplicationStatus
		want    string
		wantErr string
	}{
		{name: "ready", status: v1alpha1.ApplicationStatus{Conditions: ready(metav1.ConditionTrue, "Applied", "applied revision main@sha1:abc"), Health: v1alpha1.HealthHealthy},
			want: "Application web: Ready=True Applied: applied revision main@sha1:abc (health Healthy)"},
		{name: "ready, health not read yet", status: v1alpha1.ApplicationStatus{Conditions: ready(metav1.ConditionTrue, "Applied", "applied revision x")},
			want: "Application web: Ready=True Applied: applied revision x"},
		{name: "failed", status: v1alpha1.ApplicationStatus{Conditions: ready(metav1.ConditionFalse, "FetchFailed", "connection refused")},
			wantErr: "Application web: Ready=False FetchFailed: connection refused"},
		{name: "unknown is not ready", status: v1alpha1.ApplicationStatus{Conditions: ready(metav1.ConditionUnknown, "Progressing", "")},
			wantErr: "Ready=Unknown"},
		{name: "no condition", wantErr: "no Ready condition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := &v1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "team"}, Status: tt.status}
			got, err := syncOutcome(app)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("syncOutcome = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestWaitHandledAlready: a request the patch's answer already shows as
// handled needs no watch (the resource is never touched: it is nil).
func TestWaitHandledAlready(t *testing.T) {
	app := &v1alpha1.Application{Status: v1alpha1.ApplicationStatus{LastHandledRequestedAt: "t1"}}
	got, err := waitHandled(context.Background(), nil, app, "t1", time.Second)
	if err != nil || got != app {
		t.Errorf("waitHandled = %v, %v", got, err)
	}
}

func TestSyncFlags(t *testing.T) {
	cmd := newSyncCommand(&GlobalOptions{})
	if err := cmd.ParseFlags([]string{"--wait", "--timeout", "90s", "-n", "team"}); err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]string{"wait": "true", "timeout": "1m30s", "namespace": "team"} {
		if got := cmd.Flags().Lookup(flag).Value.String(); got != want {
			t.Errorf("--%s = %s, want %s", flag, got, want)
		}
	}
}
