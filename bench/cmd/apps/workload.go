package main

import (
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// workload is what each app of a run holds.
type workload struct {
	name string
	// objects are app i's objects, named with prefix.
	objects func(prefix string, i int) []map[string]any
}

var workloads = map[string]workload{
	// Argo CD's: one ConfigMap per app.
	"argo": {name: "one ConfigMap", objects: func(p string, i int) []map[string]any {
		return []map[string]any{configMap(p, i, 0)}
	}},
	// Flux's: a ServiceAccount, Service, Deployment and Ingress per app.
	"flux": {name: "ServiceAccount, Service, Deployment, Ingress", objects: func(p string, i int) []map[string]any {
		return []map[string]any{serviceAccount(p, i), service(p, i), deployment(p, i), ingress(p, i)}
	}},
	// idle: twenty objects per app, for the memory of an idle controller.
	"idle": {name: "10 ConfigMaps, 5 ServiceAccounts, 5 Services", objects: func(p string, i int) []map[string]any {
		var out []map[string]any
		for j := range 10 {
			out = append(out, configMap(p, i, j))
		}
		for j := range 5 {
			sa, svc := serviceAccount(p, i), service(p, i)
			rename(sa, j)
			rename(svc, j)
			out = append(out, sa, svc)
		}
		return out
	}},
}

func rename(o map[string]any, j int) {
	m := o["metadata"].(map[string]any)
	m["name"] = fmt.Sprintf("%s-%d", m["name"], j)
}

func name(p string, i int) string { return fmt.Sprintf("%s-%04d", p, i) }

func configMap(p string, i, j int) map[string]any {
	n := name(p, i)
	if j > 0 {
		n = fmt.Sprintf("%s-%d", n, j)
	}
	return map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": n}, "data": map[string]any{"k": "v"}}
}

func serviceAccount(p string, i int) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": name(p, i)}}
}

func service(p string, i int) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": name(p, i)},
		"spec": map[string]any{"selector": map[string]any{"app": name(p, i)},
			"ports": []any{map[string]any{"name": "http", "port": int64(80), "targetPort": int64(8080)}}}}
}

func deployment(p string, i int) map[string]any {
	labels := map[string]any{"app": name(p, i)}
	return map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": name(p, i)},
		"spec": map[string]any{"replicas": int64(1), "selector": map[string]any{"matchLabels": labels},
			"template": map[string]any{"metadata": map[string]any{"labels": labels},
				"spec": map[string]any{"serviceAccountName": name(p, i), "containers": []any{map[string]any{
					"name": "app", "image": "registry.local/app:1", "ports": []any{map[string]any{"containerPort": int64(8080)}},
					"resources": map[string]any{"requests": map[string]any{"cpu": "1m", "memory": "8Mi"}}}}}}}}
}

func ingress(p string, i int) map[string]any {
	return map[string]any{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": map[string]any{"name": name(p, i)},
		"spec": map[string]any{"rules": []any{map[string]any{"host": name(p, i) + ".example.test", "http": map[string]any{
			"paths": []any{map[string]any{"path": "/", "pathType": "Prefix", "backend": map[string]any{
				"service": map[string]any{"name": name(p, i), "port": map[string]any{"number": int64(80)}}}}}}}}}}
}

// rawObjects are the objects of n apps in namespace, for the raw loop.
func (w workload) rawObjects(n int, namespace string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for i := range n {
		for _, o := range w.objects("raw", i) {
			u := &unstructured.Unstructured{Object: o}
			u.SetNamespace(namespace)
			out = append(out, u)
		}
	}
	return out
}

// writeRepo writes n apps under apps/app-NNNN of dir, one file per object.
func (w workload) writeRepo(dir string, n int) error {
	for i := range n {
		app := filepath.Join(dir, "apps", name("app", i))
		if err := os.MkdirAll(app, 0o755); err != nil {
			return err
		}
		for j, o := range w.objects("app", i) {
			data, err := yaml.Marshal(o)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(app, fmt.Sprintf("%02d.yaml", j)), data, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// repo serves the git repository "envs" of n apps of w.
func (w workload) repo(n int) (*testenv.GitServer, error) {
	git, err := testenv.StartGitServer(testenv.GitServerOptions{})
	if err != nil {
		return nil, err
	}
	src, err := os.MkdirTemp("", "bench-apps-repo-")
	if err != nil {
		git.Stop()
		return nil, err
	}
	defer os.RemoveAll(src)
	if err := w.writeRepo(src, n); err != nil {
		git.Stop()
		return nil, err
	}
	return git, git.CreateRepo("envs", src)
}
