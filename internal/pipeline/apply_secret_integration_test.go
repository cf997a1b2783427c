package pipeline

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
)

// TestApplySecretRedacted creates a Secret and changes its value: neither
// the plan of the create nor that of the update shows a value, encoded or
// decoded, but the update shows which key changed.
func TestApplySecretRedacted(t *testing.T) {
	const oldValue, newValue = "old-hunter2-Zq81", "new-hunter2-Wx47"
	dataSecret := func(v string) string {
		return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  user: YWRtaW4=\n  password: " + base64.StdEncoding.EncodeToString([]byte(v)) + "\n"
	}
	stringDataSecret := func(v string) string {
		return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\nstringData:\n  user: admin\n  password: " + v + "\n"
	}
	tests := []struct {
		name     string
		manifest func(string) string
	}{
		{name: "data", manifest: dataSecret},
		{name: "stringData", manifest: stringDataSecret},
	}
	forbidden := []string{oldValue, newValue}
	for _, v := range []string{oldValue, newValue} {
		forbidden = append(forbidden, base64.StdEncoding.EncodeToString([]byte(v)), base64.RawStdEncoding.EncodeToString([]byte(v)))
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, e := newApplyEnv(t)
			ns := e.namespace(ctx, fmt.Sprintf("apply-secret-%d", i))
			dir := manifests(t, map[string]string{"secret.yaml": tc.manifest(oldValue)})
			app := e.app(fmt.Sprintf("secret-%d", i), dir, ns)
			id := "Secret/" + ns + "/db"

			res := e.mustPlan(ctx, app)
			checkNoSecrets(t, "plan of the create", res, forbidden)
			e.mustApply(ctx, app)

			writeFiles(t, dir, map[string]string{"secret.yaml": tc.manifest(newValue)})
			res = e.mustPlan(ctx, app)
			checkActions(t, res, map[string]changeset.Action{id: changeset.Update})
			out := checkNoSecrets(t, "plan of the update", res, forbidden)
			if !strings.Contains(out, "password: '*** (before)'") || !strings.Contains(out, "password: '*** (after)'") {
				t.Errorf("the plan does not show that the password changed:\n%s", out)
			}
			if strings.Contains(out, "user: '*** (") {
				t.Errorf("the plan shows an unchanged key as changed:\n%s", out)
			}
			res = e.mustApply(ctx, app)
			checkNoSecrets(t, "apply of the update", res, forbidden)
			s, err := e.cs.CoreV1().Secrets(ns).Get(ctx, "db", metav1.GetOptions{})
			if err != nil || string(s.Data["password"]) != newValue {
				t.Errorf("password after apply: %v", err)
			}
		})
	}
}

// checkNoSecrets fails if res's change set, as JSON (what -o json prints,
// diffs and reasons included), shows any of forbidden; it returns the text.
func checkNoSecrets(t *testing.T, what string, res *Result, forbidden []string) string {
	t.Helper()
	data, err := json.Marshal(res.ChangeSet)
	if err != nil {
		t.Fatal(err)
	}
	var out string
	for _, c := range res.ChangeSet.Changes {
		out += c.Diff + c.Reason + "\n"
	}
	out += string(data)
	for _, s := range forbidden {
		if strings.Contains(out, s) {
			t.Errorf("%s shows secret %q:\n%s", what, s, out)
		}
	}
	return out
}
