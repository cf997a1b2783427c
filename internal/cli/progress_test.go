package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/health"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

var (
	webID = object.ID{Group: "apps", Kind: "Deployment", Namespace: "default", Name: "web"}
	dbID  = object.ID{Group: "apps", Kind: "StatefulSet", Namespace: "default", Name: "db"}
	cmID  = object.ID{Kind: "ConfigMap", Namespace: "default", Name: "settings"}
)

func TestPrinterLive(t *testing.T) {
	web := health.Result{ID: webID, Status: health.InProgress, Message: "2/3 replicas available"}
	db := health.Result{ID: dbID, Status: health.InProgress, Message: "0/1 replicas ready"}
	cm := health.Result{ID: cmID, Status: health.NotFound}
	failed := health.Result{ID: webID, Status: health.Failed, Reason: "ProgressDeadlineExceeded", Message: "0/1 replicas available"}
	tests := []struct {
		name         string
		width        int
		ready, total int
		waiting      []health.Result
		want         string
	}{
		{"one", 0, 41, 42, []health.Result{web}, "ready 41/42, waiting on: deployment/web (2/3 replicas available)"},
		{"more than shown", 0, 47, 50, []health.Result{web, db, cm}, "ready 47/50, waiting on: " +
			"deployment/web (2/3 replicas available), statefulset/db (0/1 replicas ready), 1 more"},
		{"reason", 0, 0, 1, []health.Result{failed},
			"ready 0/1, waiting on: deployment/web (ProgressDeadlineExceeded: 0/1 replicas available)"},
		{"no message", 0, 0, 1, []health.Result{cm}, "ready 0/1, waiting on: configmap/settings (NotFound)"},
		{"truncated", 30, 41, 42, []health.Result{web}, "ready 41/42, waiting on: de..."},
		{"all ready", 0, 50, 50, nil, "ready 50/50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := NewPrinter(&buf, true)
			p.Width = tt.width
			p.Progress(tt.ready, tt.total, tt.waiting)
			if got, want := buf.String(), "\r\x1b[2K"+tt.want; got != want {
				t.Errorf("live line\n got: %q\nwant: %q", got, want)
			}
		})
	}
}

func TestPrinterLiveRewritesAndEnds(t *testing.T) {
	var buf bytes.Buffer
	p := NewPrinter(&buf, true)
	p.Progress(0, 1, []health.Result{{ID: cmID, Status: health.NotFound}})
	p.Progress(1, 1, nil)
	p.Done()
	p.Done() // a second Done adds nothing
	want := "\r\x1b[2Kready 0/1, waiting on: configmap/settings (NotFound)\r\x1b[2Kready 1/1\n"
	if buf.String() != want {
		t.Errorf("output\n got: %q\nwant: %q", buf.String(), want)
	}
}

// TestPrinterPlain feeds polls one after the other and checks the lines
// each adds: only changes are printed.
func TestPrinterPlain(t *testing.T) {
	web1 := health.Result{ID: webID, Status: health.InProgress, Message: "1/3 replicas available"}
	web2 := health.Result{ID: webID, Status: health.InProgress, Message: "2/3 replicas available"}
	db := health.Result{ID: dbID, Status: health.InProgress, Message: "0/1 replicas ready"}
	polls := []struct {
		ready, total int
		waiting      []health.Result
		want         []string
	}{
		{1, 3, []health.Result{web1, db}, []string{
			"waiting for 3 objects, 1 ready",
			"Deployment.apps/default/web: InProgress: 1/3 replicas available",
			"StatefulSet.apps/default/db: InProgress: 0/1 replicas ready",
		}},
		{1, 3, []health.Result{web1, db}, nil},
		{1, 3, []health.Result{web2, db}, []string{"Deployment.apps/default/web: InProgress: 2/3 replicas available"}},
		{2, 3, []health.Result{web2}, []string{"StatefulSet.apps/default/db: Current"}},
		{3, 3, nil, []string{"Deployment.apps/default/web: Current"}},
	}
	var buf bytes.Buffer
	p := NewPrinter(&buf, false)
	for i, poll := range polls {
		buf.Reset()
		p.Progress(poll.ready, poll.total, poll.waiting)
		p.Done()
		want := ""
		if len(poll.want) > 0 {
			want = strings.Join(poll.want, "\n") + "\n"
		}
		if buf.String() != want {
			t.Errorf("poll %d printed\n%s\nwant\n%s", i, buf.String(), want)
		}
	}
}

func TestPrinterPlainFoldsLines(t *testing.T) {
	var buf bytes.Buffer
	p := NewPrinter(&buf, false)
	p.Progress(0, 1, []health.Result{{ID: webID, Status: health.InProgress, Message: "0/1 replicas available; pod web-1: Unschedulable: a\n  b"}})
	want := "waiting for 1 object, 0 ready\n" +
		"Deployment.apps/default/web: InProgress: 0/1 replicas available; pod web-1: Unschedulable: a b\n"
	if buf.String() != want {
		t.Errorf("output\n got: %q\nwant: %q", buf.String(), want)
	}
}

func TestWriteTable(t *testing.T) {
	results := []health.Result{
		{ID: webID, Status: health.Failed, Reason: "ProgressDeadlineExceeded", Message: "0/1 replicas available"},
		{ID: cmID, Status: health.Current, Message: "Resource is always ready"},
		{ID: object.ID{Kind: "Namespace", Name: "shop"}, Status: health.Current, Message: "multi\nline\tmessage"},
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, results); err != nil {
		t.Fatal(err)
	}
	want := `KIND             NAMESPACE  NAME      STATUS   REASON                    MESSAGE
Deployment.apps  default    web       Failed   ProgressDeadlineExceeded  0/1 replicas available
ConfigMap        default    settings  Current                            Resource is always ready
Namespace                   shop      Current                            multi line message
`
	if buf.String() != want {
		t.Errorf("table\n got:\n%s\nwant:\n%s", buf.String(), want)
	}
}
