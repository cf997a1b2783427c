package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

// ansiEscape matches an SGR escape sequence.
var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestDiffWriteChangeSetGolden(t *testing.T) {
	cs := fixtureChangeSet(t)
	tests := []struct {
		name   string
		color  bool
		golden string
	}{
		{name: "plain", color: false, golden: "changeset.txt"},
		{name: "color", color: true, golden: "changeset-color.txt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteChangeSet(&buf, cs, tc.color); err != nil {
				t.Fatal(err)
			}
			got := buf.String()
			want, err := os.ReadFile(filepath.Join("testdata", "changes", tc.golden))
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s:\n%s", tc.golden, got)
			}
			if has := strings.Contains(got, "\x1b["); has != tc.color {
				t.Errorf("escape sequences present = %v, want %v", has, tc.color)
			}
			if !strings.HasSuffix(ansiEscape.ReplaceAllString(got, ""), cs.Summary()+"\n") {
				t.Errorf("output does not end with the summary %q", cs.Summary())
			}
		})
	}
}

// TestWriteChangeSetColorOnly checks that color adds escapes and nothing
// else: stripped of them, colored output is the plain output.
func TestWriteChangeSetColorOnly(t *testing.T) {
	cs := fixtureChangeSet(t)
	var plain, color bytes.Buffer
	if err := WriteChangeSet(&plain, cs, false); err != nil {
		t.Fatal(err)
	}
	if err := WriteChangeSet(&color, cs, true); err != nil {
		t.Fatal(err)
	}
	if got := ansiEscape.ReplaceAllString(color.String(), ""); got != plain.String() {
		t.Errorf("colored output, stripped:\n%s\nplain:\n%s", got, plain.String())
	}
	for _, code := range []string{ansiRed, ansiGreen, ansiCyan, ansiBold} {
		if !strings.Contains(color.String(), code) {
			t.Errorf("colored output lacks %q", code)
		}
	}
}

func TestChangeHeader(t *testing.T) {
	id := object.ID{Group: "apps", Kind: "Deployment", Namespace: "default", Name: "web"}
	tests := []struct {
		change changeset.Change
		want   string
	}{
		{changeset.Change{ID: id, Action: changeset.Create}, "+ create Deployment.apps/default/web"},
		{changeset.Change{ID: id, Action: changeset.Update}, "~ update Deployment.apps/default/web"},
		{changeset.Change{ID: id, Action: changeset.Prune}, "- prune Deployment.apps/default/web"},
		{changeset.Change{ID: id, Action: changeset.Recreate, Reason: "spec.selector is immutable"},
			"-/+ recreate Deployment.apps/default/web (spec.selector is immutable)"},
		{changeset.Change{ID: id, Action: changeset.Skip, Reason: "prune disabled"}, "! skip Deployment.apps/default/web (prune disabled)"},
		{changeset.Change{ID: id, Action: "explode"}, "? explode Deployment.apps/default/web"},
	}
	for _, tc := range tests {
		if got := changeHeader(tc.change); got != tc.want {
			t.Errorf("changeHeader(%s) = %q, want %q", tc.change.Action, got, tc.want)
		}
	}
}

func TestWriteChangeSetWriteError(t *testing.T) {
	cs := fixtureChangeSet(t)
	err := WriteChangeSet(failingWriter{}, cs, false)
	if !errors.Is(err, errWriteFailed) {
		t.Fatalf("err = %v, want %v", err, errWriteFailed)
	}
}

func TestUseColor(t *testing.T) {
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	tests := []struct {
		name    string
		w       interface{ Write([]byte) (int, error) }
		noColor string
		want    bool
	}{
		{name: "buffer", w: &bytes.Buffer{}},
		{name: "regular file", w: file},
		{name: "NO_COLOR set", w: file, noColor: "1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", tc.noColor)
			if got := UseColor(tc.w); got != tc.want {
				t.Errorf("UseColor = %v, want %v", got, tc.want)
			}
		})
	}
}

var errWriteFailed = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWriteFailed }

// fixtureChangeSet is a change set the planner made from its diff
// fixtures (internal/plan/testdata/diff, with Secret values redacted
// there), plus a skipped prune.
func fixtureChangeSet(t *testing.T) *changeset.Set {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "changes", "set.json"))
	if err != nil {
		t.Fatal(err)
	}
	cs := &changeset.Set{}
	if err := json.Unmarshal(data, cs); err != nil {
		t.Fatal(err)
	}
	return cs
}
