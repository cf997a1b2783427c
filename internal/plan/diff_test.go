package plan

import (
	"encoding/base64"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// updateGolden rewrites the golden files instead of comparing with them:
// go test ./internal/plan/ -run Diff -update
var updateGolden = flag.Bool("update", false, "rewrite golden files under testdata")

const diffTestdata = "testdata/diff"

// diffCase is one fixture directory and what its diff must and must not
// show.
type diffCase struct {
	name      string
	changed   []string
	forbidden []string
}

// diffCases name the directories under testdata/diff. Each holds live.yaml
// (absent for a create), merged.yaml (absent for a prune) and
// expected.diff. changed, when set, lists the diff's removed and added
// lines: checked apart from the golden file, so that -update cannot bless a
// noisy diff. forbidden lists text that must never be shown, beyond the
// Secret values and last-applied annotations found in the fixtures.
var diffCases = []diffCase{
	{name: "deployment-image", changed: []string{
		"-      - image: ghcr.io/example/web:1.4.0",
		"+      - image: ghcr.io/example/web:1.5.0",
	}},
	{name: "replicas-noise", changed: []string{"-  replicas: 2", "+  replicas: 3"}},
	{name: "create"},
	{name: "prune"},
	{name: "unchanged-noise", changed: []string{}},
	{name: "secret-data-change", changed: []string{
		"-  password: '*** (before)'",
		"+  password: '*** (after)'",
	}},
	{name: "secret-new-key", changed: []string{"+  token: '***'"}},
	{name: "secret-unchanged", changed: []string{}},
	{name: "secret-stringdata", changed: []string{
		"-data:",
		"-  password: '***'",
		"-  username: '*** (before)'",
		"+stringData:",
		"+  password: '***'",
		"+  username: '*** (after)'",
	}, forbidden: []string{"svc-app-user-42"}},
	{name: "secret-create"},
	{name: "secret-prune"},
	{name: "last-applied", changed: []string{"-    team: edge", "+    team: platform"}},
	{name: "last-applied-configmap", changed: []string{`-  beta: "off"`, `+  beta: "on"`},
		forbidden: []string{"off-by-kubectl"}},
}

func TestDiffGolden(t *testing.T) {
	for _, tc := range diffCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(diffTestdata, tc.name)
			live, merged := readDiffFixture(t, dir, "live.yaml"), readDiffFixture(t, dir, "merged.yaml")
			got, err := Diff(live, merged, fixtureID(live, merged))
			if err != nil {
				t.Fatalf("Diff: %v", err)
			}
			assertGolden(t, filepath.Join(dir, "expected.diff"), got)
			if tc.changed != nil {
				if lines := changedLines(got); !slices.Equal(lines, tc.changed) {
					t.Errorf("changed lines:\n%q\nwant\n%q", lines, tc.changed)
				}
			}
			assertNoSecrets(t, got, append(secretsOf(live, merged), tc.forbidden...))
		})
	}
}

// TestDiffCasesListed keeps fixtures and table in step: a directory missing
// from diffCases would never be checked.
func TestDiffCasesListed(t *testing.T) {
	entries, err := os.ReadDir(diffTestdata)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		listed := slices.ContainsFunc(diffCases, func(c diffCase) bool { return c.name == e.Name() })
		if e.IsDir() && !listed {
			t.Errorf("testdata/diff/%s is not in diffCases", e.Name())
		}
	}
}

func TestDiffNothing(t *testing.T) {
	got, err := Diff(nil, nil, object.ID{Kind: "ConfigMap", Name: "x"})
	if err != nil || got != "" {
		t.Fatalf("Diff(nil, nil) = %q, %v; want empty", got, err)
	}
}

func TestDiffLeavesInputs(t *testing.T) {
	dir := filepath.Join(diffTestdata, "secret-data-change")
	live, merged := readDiffFixture(t, dir, "live.yaml"), readDiffFixture(t, dir, "merged.yaml")
	before, after := live.DeepCopy(), merged.DeepCopy()
	if _, err := Diff(live, merged, fixtureID(live, merged)); err != nil {
		t.Fatal(err)
	}
	if !equalObjects(live, before) || !equalObjects(merged, after) {
		t.Fatal("Diff changed its inputs")
	}
}

// readDiffFixture reads dir/name, or returns nil when it does not exist.
func readDiffFixture(t *testing.T, dir, name string) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s/%s: %v", dir, name, err)
	}
	return &unstructured.Unstructured{Object: m}
}

// fixtureID is the id of whichever side exists.
func fixtureID(live, merged *unstructured.Unstructured) object.ID {
	u := merged
	if u == nil {
		u = live
	}
	return object.New(u, "").ID()
}

// assertGolden compares got with the file at path, or rewrites it.
func assertGolden(t *testing.T, path, got string) {
	t.Helper()
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// changedLines returns the removed and added lines of a unified diff.
func changedLines(diff string) []string {
	lines := []string{}
	for i, l := range strings.Split(strings.TrimSuffix(diff, "\n"), "\n") {
		if i >= 2 && (strings.HasPrefix(l, "-") || strings.HasPrefix(l, "+")) {
			lines = append(lines, l)
		}
	}
	return lines
}

// secretsOf lists what must never be shown of the objects: each Secret
// value, encoded and decoded, and each last-applied annotation.
func secretsOf(objs ...*unstructured.Unstructured) []string {
	var out []string
	for _, u := range objs {
		if u == nil {
			continue
		}
		if a := u.GetAnnotations()[kubectlLastApplied]; a != "" {
			out = append(out, strings.TrimSpace(a))
		}
		if !isSecret(u) {
			continue
		}
		for _, field := range secretValueFields {
			values, _, _ := unstructured.NestedStringMap(u.Object, field)
			for _, v := range values {
				out = append(out, v)
				if raw, err := base64.StdEncoding.DecodeString(v); err == nil && field == "data" {
					out = append(out, string(raw))
				}
			}
		}
	}
	return out
}

// assertNoSecrets fails when text contains any of secrets.
func assertNoSecrets(t *testing.T, text string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("output shows secret %q:\n%s", s, text)
		}
	}
}

func equalObjects(a, b *unstructured.Unstructured) bool {
	ya, _ := yaml.Marshal(a.Object)
	yb, _ := yaml.Marshal(b.Object)
	return string(ya) == string(yb)
}
