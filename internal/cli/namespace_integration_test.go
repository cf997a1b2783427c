package cli

import (
	"path/filepath"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestDefaultNamespace applies a directory whose namespaced objects name no
// namespace, without -n, as argocd-example-apps' guestbook is: they go to
// the kubeconfig context's namespace, else "default", as with kubectl; a
// namespace that does not exist is named in the error.
func TestDefaultNamespace(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "cli-ns"})
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"cm.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: guestbook\ndata:\n  k: v\n",
		"svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: guestbook\nspec:\n  ports:\n  - port: 80\n",
	})
	team := kubeconfigWithNamespace(t, env.Kubeconfig, "kube-public")
	missing := kubeconfigWithNamespace(t, env.Kubeconfig, "no-such-ns")
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantErr    string
		wantOut    []string
		kubeconfig string
	}{
		{name: "diff, no namespace in context", args: []string{"diff", dir, "--name", "gb"}, wantCode: ExitChanges,
			wantOut: []string{"ConfigMap/default/guestbook", "Service/default/guestbook"}, kubeconfig: env.Kubeconfig},
		{name: "apply, no namespace in context", args: []string{"apply", dir, "--name", "gb", "--log-level", "info"}, wantCode: ExitOK,
			wantOut: []string{"ConfigMap/default/guestbook created"}, kubeconfig: env.Kubeconfig,
			wantErr: "msg=changed app=gb object=ConfigMap/default/guestbook action=create outcome=applied"},
		{name: "context namespace", args: []string{"apply", dir, "--name", "gb2"}, wantCode: ExitOK,
			wantOut: []string{"ConfigMap/kube-public/guestbook created"}, kubeconfig: team},
		{name: "-n wins", args: []string{"diff", dir, "--name", "gb", "-n", "default"}, wantCode: ExitOK, kubeconfig: team},
		{name: "missing namespace is named", args: []string{"apply", dir, "--name", "gb3"}, wantCode: ExitFailure,
			wantErr: `"no-such-ns"`, kubeconfig: missing},
		{name: "render for the context", args: []string{"render", dir}, wantCode: ExitOK,
			wantOut: []string{"namespace: kube-public"}, kubeconfig: team},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRun(t, append(tt.args, "--kubeconfig", tt.kubeconfig), tt.wantCode, tt.wantErr, tt.wantOut)
		})
	}
}

// kubeconfigWithNamespace writes a copy of kubeconfig whose current
// context has namespace ns.
func kubeconfigWithNamespace(t *testing.T, kubeconfig, ns string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Contexts[cfg.CurrentContext].Namespace = ns
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}
