package conformance

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// TestCompareRenders holds the comparison itself to the README's rules, so
// that an all-equal corpus table means something.
func TestCompareRenders(t *testing.T) {
	const (
		cm      = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"
		cmNS    = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: apps\n"
		role    = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n"
		hook    = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: pre-install, test\n"
		secretA = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls\n  namespace: apps\ndata:\n  tls.crt: QUFB\n  keep: eA==\n"
		secretB = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls\n  namespace: apps\ndata:\n  tls.crt: QkJC\n  keep: eA==\n"
	)
	tests := []struct {
		name      string
		ns        string
		ignore    []string
		tug, ref  string
		problems  []string // substrings, one per problem, in order
		applied   map[string]int
		errSubstr string
	}{
		{name: "equal", tug: cm, ref: cm},
		{name: "namespace filled on namespaced kinds only", ns: "apps", tug: cmNS + "---\n" + role, ref: cm + "---\n" + role,
			applied: map[string]int{ruleNamespace: 1}},
		{name: "namespace is not filled without the rule", tug: cmNS, ref: cm,
			problems: []string{"ConfigMap/apps/cm: only in Tugboat", "ConfigMap/cm: only in the reference"}},
		{name: "field differs", tug: cm + "data:\n  a: \"1\"\n", ref: cm + "data:\n  a: \"2\"\n  b: x\n",
			problems: []string{"data.a: Tugboat \"1\", reference \"2\"\n    data.b: Tugboat <absent>, reference \"x\""}},
		{name: "test hook dropped from the reference", tug: cm, ref: cm + "---\n" + hook,
			applied: map[string]int{ruleTestHooks: 1}},
		{name: "test hook kept by Tugboat", tug: cm + "---\n" + hook, ref: cm + "---\n" + hook,
			problems: []string{"test-hooks: Tugboat keeps 1 test hook(s): Pod/t"}, applied: map[string]int{ruleTestHooks: 1}},
		{name: "masked field", ignore: []string{`Secret/tls:data.tls\.crt`}, tug: secretA, ref: secretB,
			applied: map[string]int{ruleIgnore: 2}},
		{name: "unmasked field", tug: secretA, ref: secretB, problems: []string{"data[tls.crt]: Tugboat \"QUFB\", reference \"QkJC\""}},
		{name: "stale mask", ignore: []string{"Secret/tls:data.gone"}, tug: secretA, ref: secretB, errSubstr: "matches no field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &entry{Namespace: tc.ns}
			for _, s := range tc.ignore {
				m, err := parseMask(s)
				if err != nil {
					t.Fatal(err)
				}
				e.masks = append(e.masks, m)
			}
			out, err := compareRenders(e, decode(t, tc.tug), decode(t, tc.ref))
			if tc.errSubstr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errSubstr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.errSubstr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(out.problems) != len(tc.problems) {
				t.Fatalf("got problems %q, want %d", out.problems, len(tc.problems))
			}
			for i, p := range tc.problems {
				if !strings.Contains(out.problems[i], p) {
					t.Errorf("problem %d is %q, want it to contain %q", i, out.problems[i], p)
				}
			}
			for rule, n := range tc.applied {
				if out.applied[rule] != n {
					t.Errorf("rule %s applied %d times, want %d", rule, out.applied[rule], n)
				}
			}
		})
	}
}

func TestParseMask(t *testing.T) {
	for in, want := range map[string][]string{
		`Secret/tls:data.tls\.crt`:                       {"data", "tls.crt"},
		"Deployment/web:spec.template.spec.containers.0": {"spec", "template", "spec", "containers", "0"},
		"Secret/x":      nil,
		"Secret:a":      nil,
		"Secret/x:":     nil,
		"Secret/x:a..b": nil,
	} {
		m, err := parseMask(in)
		if (err != nil) != (want == nil) || err == nil && !reflect.DeepEqual(m.path, want) {
			t.Errorf("parseMask(%q) = %q, %v; want %q", in, m.path, err, want)
		}
	}
}

func decode(t *testing.T, s string) []*object.Object {
	t.Helper()
	objs, err := object.Decode("test", []byte(s), object.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return objs
}
