package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/history"
)

var (
	historySHA1 = strings.Repeat("1a", 20)
	historySHA2 = strings.Repeat("2b", 20)
	historySHA3 = strings.Repeat("3c", 20)
	historyTime = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
)

func historyEntry(sha, author, subject string, minutes int, changes history.Changes) history.Entry {
	return history.Entry{Commit: history.Commit{SHA: sha, Author: author, Subject: subject, Time: historyTime.Add(time.Duration(minutes) * time.Minute)}, Changes: changes}
}

func TestHistoryText(t *testing.T) {
	synced := historyEntry(historySHA2, "bob", "color green", 0, history.Changes{})
	tests := []struct {
		name string
		out  TextWriter
		want string
	}{
		{
			name: "pull: pending, applied, failed, not fetched",
			out: &pullHistory{
				Pending: []history.Entry{historyEntry(historySHA3, "cid", "scale web", 30, history.Changes{Modified: 1})},
				History: []syncRow{
					{SyncRecord: v1alpha1.SyncRecord{Revision: "main@sha1:" + historySHA2, Time: metav1.NewTime(historyTime.Add(5 * time.Minute)), Result: "Applied", Changes: "1 to update"}, Commit: &synced.Commit},
					{SyncRecord: v1alpha1.SyncRecord{Revision: "main@sha1:" + historySHA1, Time: metav1.NewTime(historyTime), Result: "RenderFailed", Message: "bad\nyaml"}, NotFetched: true},
					{SyncRecord: v1alpha1.SyncRecord{Time: metav1.NewTime(historyTime), Result: "FetchFailed"}},
				},
				Notes: []string{"pending: the newest 1 commits listed (--limit)"},
			},
			want: `SHA           TIME                  AUTHOR  RESULT        CHANGES          SUBJECT        MESSAGE
3c3c3c3c3c3c  2024-05-01T10:30:00Z  cid     pending       1 file modified  scale web      -
2b2b2b2b2b2b  2024-05-01T10:05:00Z  bob     Applied       1 to update      color green    -
1a1a1a1a1a1a  2024-05-01T10:00:00Z  -       RenderFailed  -                (not fetched)  bad yaml
-             2024-05-01T10:00:00Z  -       FetchFailed   -                -              -
note: pending: the newest 1 commits listed (--limit)
`,
		},
		{
			name: "pull: nothing synced, no message column",
			out:  &pullHistory{History: []syncRow{}},
			want: "SHA  TIME  AUTHOR  RESULT  CHANGES  SUBJECT\n",
		},
		{
			name: "push: pending, live, older",
			out: &pushHistory{Commits: []pushCommit{
				{Entry: historyEntry(historySHA3, "cid", "scale web", 30, history.Changes{Modified: 1}), State: statePending},
				{Entry: historyEntry(historySHA2, "bob", "color green", 20, history.Changes{Added: 1, Modified: 2}), State: stateLive},
				{Entry: historyEntry(historySHA1, "ann", "web", 10, history.Changes{Added: 2})},
			}},
			want: `SHA           TIME                  AUTHOR  STATE    CHANGES                       SUBJECT
3c3c3c3c3c3c  2024-05-01T10:30:00Z  cid     pending  1 file modified               scale web
2b2b2b2b2b2b  2024-05-01T10:20:00Z  bob     live     3 files: 1 added, 2 modified  color green
1a1a1a1a1a1a  2024-05-01T10:10:00Z  ann     -        2 files added                 web
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.out.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), tt.want)
			}
		})
	}
}

// TestHistoryJSON: the syncs keep the fields of status.history, which
// scripts read, beside the commit joined to them.
func TestHistoryJSON(t *testing.T) {
	c := historyEntry(historySHA2, "bob", "color green", 0, history.Changes{}).Commit
	out := &pullHistory{Application: "default/web", History: []syncRow{{SyncRecord: v1alpha1.SyncRecord{
		Revision: "main@sha1:" + historySHA2, Time: metav1.NewTime(historyTime), Result: "Applied", Changes: "1 to update"}, Commit: &c}}}
	var b bytes.Buffer
	if err := Print(&b, OutputJSON, out); err != nil {
		t.Fatal(err)
	}
	var got struct {
		History []map[string]any `json:"history"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"revision": "main@sha1:" + historySHA2, "time": "2024-05-01T10:00:00Z", "result": "Applied", "changes": "1 to update"}
	if len(got.History) != 1 {
		t.Fatalf("history: %s", b.String())
	}
	for k, v := range want {
		if got.History[0][k] != v {
			t.Errorf("history[0].%s = %v, want %v", k, got.History[0][k], v)
		}
	}
	if commit, _ := got.History[0]["commit"].(map[string]any); commit["sha"] != historySHA2 || commit["author"] != "bob" {
		t.Errorf("history[0].commit = %v", got.History[0]["commit"])
	}
}

func TestHistoryArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "neither", args: []string{"history"}, wantErr: "give an Application (APP) or an app of the apps file (--app NAME)"},
		{name: "both", args: []string{"history", "web", "--app", "web"}, wantErr: "not both"},
		{name: "two Applications", args: []string{"history", "web", "api"}, wantErr: "accepts at most 1 arg"},
		{name: "no commits", args: []string{"history", "web", "--limit", "0"}, wantErr: "--limit 0: want at least 1"},
		{name: "an app not declared", args: []string{"history", "--app", "web", "-f", "testdata/nosuch/tugboat.yaml"}, wantErr: "app web is not in testdata/nosuch/tugboat.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRun(t, tt.args, ExitFailure, tt.wantErr, nil)
		})
	}
}
