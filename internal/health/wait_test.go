package health

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// The objects the wait tests wait on.
var (
	webID = object.ID{Group: "apps", Kind: "Deployment", Namespace: "default", Name: "web"}
	dbID  = object.ID{Group: "apps", Kind: "StatefulSet", Namespace: "default", Name: "db"}
	cmID  = object.ID{Kind: "ConfigMap", Namespace: "default", Name: "settings"}
)

func TestWaitErrorMessage(t *testing.T) {
	stuck := Result{ID: webID, Status: InProgress, Message: "0/1 replicas available; pod web-1: Unschedulable: 0/1 nodes are available"}
	missing := Result{ID: cmID, Status: NotFound}
	failed := Result{ID: webID, Status: Failed, Reason: "ProgressDeadlineExceeded", Message: "0/1 replicas available"}
	tests := []struct {
		name string
		err  *WaitError
		want string
	}{
		{"timeout", &WaitError{Results: []Result{stuck}, Err: context.DeadlineExceeded, After: 5 * time.Minute},
			"timed out after 5m0s waiting for 1 object: Deployment.apps/default/web: InProgress: " +
				"0/1 replicas available; pod web-1: Unschedulable: 0/1 nodes are available"},
		{"timeout, several", &WaitError{Results: []Result{stuck, missing}, Err: context.DeadlineExceeded, After: 2 * time.Second},
			"timed out after 2s waiting for 2 objects:\n" +
				"  Deployment.apps/default/web: InProgress: 0/1 replicas available; pod web-1: Unschedulable: 0/1 nodes are available\n" +
				"  ConfigMap/default/settings: NotFound"},
		{"failed", &WaitError{Results: []Result{failed}, After: 4 * time.Second},
			"1 object failed: Deployment.apps/default/web: Failed: ProgressDeadlineExceeded: 0/1 replicas available"},
		{"canceled", &WaitError{Results: []Result{missing}, Err: context.Canceled, After: time.Second},
			"wait ended after 1s (context canceled) with 1 object not ready: ConfigMap/default/settings: NotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error()\n got: %q\nwant: %q", got, tt.want)
			}
		})
	}
}

func TestWaitErrorCapsList(t *testing.T) {
	var results []Result
	for i := range 25 {
		results = append(results, NotFoundResult(object.ID{Kind: "ConfigMap", Namespace: "x", Name: fmt.Sprint("cm-", i)}))
	}
	msg := (&WaitError{Results: results, Err: context.DeadlineExceeded, After: time.Minute}).Error()
	if n := strings.Count(msg, "\n"); n != errorListMax+1 {
		t.Errorf("message has %d lines after the first, want %d:\n%s", n, errorListMax+1, msg)
	}
	if !strings.HasSuffix(msg, "... and 5 more") {
		t.Errorf("message does not end with the count of the rest:\n%s", msg)
	}
}

func TestWaitErrorUnwrap(t *testing.T) {
	var err error = &WaitError{Err: context.DeadlineExceeded}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("a timeout does not unwrap to context.DeadlineExceeded")
	}
	var we *WaitError
	if !errors.As(fmt.Errorf("apply: %w", err), &we) {
		t.Error("errors.As does not find the WaitError")
	}
}

func TestSettle(t *testing.T) {
	ok := Result{ID: cmID, Status: Current}
	wait := Result{ID: dbID, Status: InProgress}
	bad := Result{ID: webID, Status: Failed, Reason: "ProgressDeadlineExceeded"}
	tests := []struct {
		name    string
		results []Result
		done    bool
		failed  int
		ready   int
	}{
		{"all current", []Result{ok}, true, 0, 1},
		{"nothing to wait for", nil, true, 0, 0},
		{"one waiting", []Result{ok, wait}, false, 0, 1},
		{"one failed", []Result{ok, wait, bad}, true, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotReady, gotTotal, gotWaiting int
			done, err := settle(tt.results, func(ready, total int, waiting []Result) {
				gotReady, gotTotal, gotWaiting = ready, total, len(waiting)
			})
			if done != tt.done {
				t.Errorf("done = %v, want %v", done, tt.done)
			}
			var we *WaitError
			if tt.failed > 0 && (!errors.As(err, &we) || len(we.Results) != tt.failed) {
				t.Errorf("err = %v, want a WaitError with %d failed", err, tt.failed)
			}
			if tt.failed == 0 && err != nil {
				t.Errorf("err = %v, want nil", err)
			}
			if gotReady != tt.ready || gotTotal != len(tt.results) || gotWaiting != len(tt.results)-tt.ready {
				t.Errorf("progress(%d, %d, %d waiting)", gotReady, gotTotal, gotWaiting)
			}
		})
	}
}
