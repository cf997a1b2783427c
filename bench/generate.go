package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// Namespace is where every generated object lives.
const Namespace = "bench"

// namespaceFile sorts first, so that a sequential applier (kubectl) creates
// the namespace before what goes in it.
const namespaceFile = "00-namespace.yaml"

// Objects returns n objects in equal thirds (as near as n allows):
// ConfigMaps, Services (ClusterIP, port 80) and Deployments (1 replica),
// named bench-<kind>-<i>, in the order Tugboat applies them (group, kind,
// name). The Namespace is not among them.
func Objects(n int) []*unstructured.Unstructured {
	makers := []func(i int) map[string]any{configMap, service, deployment}
	objs := make([]*unstructured.Unstructured, 0, n)
	for i := range n {
		objs = append(objs, &unstructured.Unstructured{Object: makers[i%3](i/3 + 1)})
	}
	sort.SliceStable(objs, func(i, j int) bool {
		a, b := objs[i], objs[j]
		if ga, gb := a.GroupVersionKind().Group, b.GroupVersionKind().Group; ga != gb {
			return ga < gb
		}
		if a.GetKind() != b.GetKind() {
			return a.GetKind() < b.GetKind()
		}
		return a.GetName() < b.GetName()
	})
	return objs
}

// NamespaceObject is the namespace the objects live in.
func NamespaceObject() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": Namespace},
	}}
}

// WriteManifests writes the namespace and n objects into dir, one YAML file
// each.
func WriteManifests(dir string, n int) error {
	if err := writeObject(filepath.Join(dir, namespaceFile), NamespaceObject()); err != nil {
		return err
	}
	for _, o := range Objects(n) {
		if err := writeObject(filepath.Join(dir, o.GetName()+".yaml"), o); err != nil {
			return err
		}
	}
	return nil
}

// ChangeOne changes the data of the first ConfigMap in dir, so that the
// next apply has exactly one object to update.
func ChangeOne(dir, value string) error {
	o := &unstructured.Unstructured{Object: configMap(1)}
	if err := unstructured.SetNestedField(o.Object, value, "data", "value"); err != nil {
		return err
	}
	return writeObject(filepath.Join(dir, o.GetName()+".yaml"), o)
}

func writeObject(path string, o *unstructured.Unstructured) error {
	data, err := yaml.Marshal(o.Object)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, data, 0o644)
}

func metadata(kind string, i int) map[string]any {
	name := fmt.Sprintf("bench-%s-%d", kind, i)
	return map[string]any{"name": name, "namespace": Namespace, "labels": map[string]any{"app": name}}
}

func configMap(i int) map[string]any {
	return map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata("configmap", i),
		"data": map[string]any{
			"value":       fmt.Sprint(i),
			"config.yaml": fmt.Sprintf("listen: :8080\nworkers: 4\nname: bench-%d\n", i),
		},
	}
}

func service(i int) map[string]any {
	return map[string]any{
		"apiVersion": "v1", "kind": "Service", "metadata": metadata("service", i),
		"spec": map[string]any{
			"type":     "ClusterIP",
			"selector": map[string]any{"app": fmt.Sprintf("bench-deployment-%d", i)},
			"ports":    []any{map[string]any{"name": "http", "port": int64(80), "targetPort": int64(8080)}},
		},
	}
}

func deployment(i int) map[string]any {
	name := fmt.Sprintf("bench-deployment-%d", i)
	container := map[string]any{
		"name": "app", "image": "registry.local/app:1",
		"ports": []any{map[string]any{"containerPort": int64(8080)}},
		"resources": map[string]any{
			"requests": map[string]any{"cpu": "10m", "memory": "16Mi"},
			"limits":   map[string]any{"cpu": "100m", "memory": "64Mi"},
		},
	}
	return map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata("deployment", i),
		"spec": map[string]any{
			"replicas": int64(1),
			"selector": map[string]any{"matchLabels": map[string]any{"app": name}},
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{"app": name}},
				"spec":     map[string]any{"containers": []any{container}},
			},
		},
	}
}
