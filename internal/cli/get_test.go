package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
)

// TestAppsTableRow: the cells of each column, with -o wide and -A, for
// Applications that are new, synced, failing, suspended, or of a chart.
func TestAppsTableRow(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }
	ready := func(status metav1.ConditionStatus, message string) []metav1.Condition {
		return []metav1.Condition{{Type: v1alpha1.ReadyCondition, Status: status, Reason: "Any", Message: message}}
	}
	app := func(edit func(a *v1alpha1.Application)) *v1alpha1.Application {
		a := &v1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "team", CreationTimestamp: ago(3 * time.Hour)},
			Spec: v1alpha1.ApplicationSpec{AppSpec: v1alpha1.AppSpec{Repo: "https://git.example.com/envs.git", Path: "apps/web"}}}
		edit(a)
		return a
	}
	long := strings.Repeat("é", 100)
	tests := []struct {
		name   string
		app    *v1alpha1.Application
		health string
		wide   bool
		allNS  bool
		want   []string
	}{
		{name: "new", app: app(func(*v1alpha1.Application) {}),
			want: []string{"web", "Unknown", "-", "-", "3h"}},
		{name: "synced, wide", health: "Healthy", wide: true, app: app(func(a *v1alpha1.Application) {
			a.Status.Conditions = ready(metav1.ConditionTrue, "Applied revision main@sha1:abc")
			a.Status.LastAppliedRevision = "main@sha1:abc"
			a.Status.History = []v1alpha1.SyncRecord{{Time: ago(5 * time.Minute)}, {Time: ago(time.Hour)}}
			a.Status.Inventory = &v1alpha1.InventorySummary{Objects: 12}
		}), want: []string{"web", "True", "main@sha1:abc", "Healthy", "3h",
			"Applied revision main@sha1:abc", "https://git.example.com/envs.git", "apps/web", "5m", "12"}},
		{name: "all namespaces", allNS: true, app: app(func(*v1alpha1.Application) {}),
			want: []string{"team", "web", "Unknown", "-", "-", "3h"}},
		{name: "nothing synced yet, wide", wide: true, app: app(func(*v1alpha1.Application) {}),
			want: []string{"web", "Unknown", "-", "-", "3h", "-", "https://git.example.com/envs.git", "apps/web", "-", "-"}},
		{name: "multi-line message on one line", wide: true, app: app(func(a *v1alpha1.Application) {
			a.Status.Conditions = ready(metav1.ConditionFalse, "render:\n\tapps/web/x.yaml: bad")
		}), want: []string{"web", "False", "-", "-", "3h", "render: apps/web/x.yaml: bad", "https://git.example.com/envs.git", "apps/web", "-", "-"}},
		{name: "long message cut between runes", wide: true, app: app(func(a *v1alpha1.Application) {
			a.Status.Conditions = ready(metav1.ConditionFalse, long)
		}), want: []string{"web", "False", "-", "-", "3h", strings.Repeat("é", maxStatus-3) + "...", "https://git.example.com/envs.git", "apps/web", "-", "-"}},
		{name: "suspended", wide: true, app: app(func(a *v1alpha1.Application) {
			a.Spec.Suspend = true
			a.Status.Conditions = ready(metav1.ConditionTrue, "Applied revision main@sha1:abc")
		}), want: []string{"web", "True", "-", "-", "3h", "Suspended: Applied revision main@sha1:abc", "https://git.example.com/envs.git", "apps/web", "-", "-"}},
		{name: "suspended before any sync", wide: true, app: app(func(a *v1alpha1.Application) { a.Spec.Suspend = true }),
			want: []string{"web", "Unknown", "-", "-", "3h", "Suspended", "https://git.example.com/envs.git", "apps/web", "-", "-"}},
		{name: "chart", wide: true, app: app(func(a *v1alpha1.Application) {
			a.Spec.Repo, a.Spec.Path = "", ""
			a.Spec.Chart = &v1alpha1.ChartSource{Repo: "oci://registry.example.com/charts", Name: "podinfo"}
		}), want: []string{"web", "Unknown", "-", "-", "3h", "-", "oci://registry.example.com/charts", "podinfo", "-", "-"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := appsTable{wide: tt.wide, allNamespaces: tt.allNS}
			got := tab.row(tt.app, tt.health, now)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("row\n got %q\nwant %q", got, tt.want)
			}
			if len(got) != len(tab.header()) {
				t.Errorf("%d cells under %d headers %q", len(got), len(tab.header()), tab.header())
			}
		})
	}
}

// TestTable: columns two spaces apart, measured in runes, no trailing
// spaces; the widths of earlier writes hold for later rows, which widen
// a column only when they do not fit.
func TestTable(t *testing.T) {
	tests := []struct {
		name   string
		writes [][][]string
		want   string
	}{
		{name: "one write", writes: [][][]string{{{"NAME", "READY"}, {"web", "True"}, {"payments", "False"}}},
			want: "NAME      READY\nweb       True\npayments  False\n"},
		{name: "runes, not bytes", writes: [][][]string{{{"NAME", "AGE"}, {"café", "1m"}, {"x", "2m"}}},
			want: "NAME  AGE\ncafé  1m\nx     2m\n"},
		{name: "a later row keeps the widths", writes: [][][]string{{{"NAME", "READY", "AGE"}, {"web", "True", "1m"}}, {{"db", "False", "2m"}}},
			want: "NAME  READY  AGE\nweb   True   1m\ndb    False  2m\n"},
		{name: "a later row too wide widens its column", writes: [][][]string{{{"NAME", "AGE"}, {"web", "1m"}}, {{"payments", "2m"}}, {{"db", "3m"}}},
			want: "NAME  AGE\nweb   1m\npayments  2m\ndb        3m\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tab table
			var buf bytes.Buffer
			for _, rows := range tt.writes {
				if err := tab.write(&buf, rows...); err != nil {
					t.Fatal(err)
				}
			}
			if buf.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", buf.String(), tt.want)
			}
		})
	}
}

// TestPrintWide: -o wide prints a WideWriter's wide table, and is an
// error for a result that has none.
func TestPrintWide(t *testing.T) {
	now := metav1.NewTime(time.Now().Add(-time.Minute))
	out := &appsOutput{Items: []v1alpha1.Application{{ObjectMeta: metav1.ObjectMeta{Name: "web", CreationTimestamp: now}}}, health: []string{"Healthy"}}
	var buf bytes.Buffer
	if err := Print(&buf, OutputWide, out); err != nil {
		t.Fatal(err)
	}
	want := "NAME  READY    REVISION  HEALTH   AGE  STATUS  REPO  PATH  LAST SYNC  INVENTORY\nweb   Unknown  -         Healthy  60s  -       -     -     -          -\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	if err := Print(&buf, OutputWide, sample{Name: "web"}); err == nil {
		t.Error("-o wide of a result without a wide form: no error")
	}
}

// TestGetAppsOutputFlag: get apps takes -o wide, which the commands
// without a wide table refuse.
func TestGetAppsOutputFlag(t *testing.T) {
	_, stderr, code := run(t, "version", "-o", "wide")
	if code != ExitFailure || !strings.Contains(stderr, "must be one of text|json|yaml") {
		t.Errorf("version -o wide: exit %d, stderr %q", code, stderr)
	}
	stdout, _, code := run(t, "__complete", "get", "apps", "-o", "")
	if code != ExitOK || stdout != "text\nwide\njson\nyaml\n:4\n" {
		t.Errorf("completions of get apps -o: exit %d, %q", code, stdout)
	}
	_, stderr, _ = run(t, "get", "apps", "-o", "table", "--kubeconfig", "/nonexistent")
	if !strings.Contains(stderr, "must be one of text|wide|json|yaml") {
		t.Errorf("get apps -o table: stderr %q", stderr)
	}
}
