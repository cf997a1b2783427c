package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/render/helm/helmref"
)

// reference renders e the way the upstream tools do, with none of
// Tugboat's code on the path but the object wrapper.
func reference(e *entry, kubeVersion string) ([]*object.Object, error) {
	switch e.Renderer {
	case "kustomize":
		return kustomizeReference(e)
	case "helm":
		return helmReference(e, kubeVersion)
	default:
		return plainReference(e)
	}
}

// kustomizeReference is `kustomize build` through the kustomize API, with
// its defaults (helm inflation only when asked, by a helm binary: this
// test binary, answering with the Helm SDK, see TestMain).
func kustomizeReference(e *entry) ([]*object.Object, error) {
	opts := krusty.MakeDefaultOptions()
	if e.Kustomize.EnableHelm {
		opts.PluginConfig.HelmConfig.Enabled = true
		opts.PluginConfig.HelmConfig.Command = os.Args[0]
		os.Setenv(helmref.StandInEnv, "1") // for the child kustomize starts; TestMain has run
	}
	m, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), filepath.Join(e.root, e.Path))
	if err != nil {
		return nil, fmt.Errorf("kustomize build: %w", err)
	}
	out := make([]*object.Object, 0, m.Size())
	for _, r := range m.Resources() {
		u, err := r.Map()
		if err != nil {
			return nil, fmt.Errorf("kustomize build: %s: %w", r.CurId(), err)
		}
		out = append(out, object.New(&unstructured.Unstructured{Object: u}, "kustomize build"))
	}
	return out, nil
}

// helmReference is `helm template --include-crds` with the entry's flags.
func helmReference(e *entry, kubeVersion string) ([]*object.Object, error) {
	out, err := helmref.Template(render.Request{Root: e.root, Path: e.Path, Helm: helmOptions(e, kubeVersion)})
	if err != nil {
		return nil, fmt.Errorf("helm template: %w", err)
	}
	return decodeStream("helm template", []byte(out))
}

// plainReference reads every manifest file below the entry's path in
// lexical order, as `kubectl apply -R -f` would.
func plainReference(e *entry) ([]*object.Object, error) {
	var out []*object.Object
	dir := filepath.Join(e.root, e.Path)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml", ".json":
		default:
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(e.root, path)
		objs, err := decodeStream(rel, data)
		out = append(out, objs...)
		return err
	})
	return out, err
}

// decodeStream splits a YAML or JSON stream into objects with
// apimachinery's decoder, kubectl's, rather than Tugboat's own, and expands
// List kinds as kubectl does.
func decodeStream(source string, data []byte) ([]*object.Object, error) {
	dec := k8syaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*object.Object
	for doc := 1; ; doc++ {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", source, doc, err)
		}
		if len(m) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		if !strings.HasSuffix(u.GetKind(), "List") || !u.IsList() {
			out = append(out, object.New(u, source))
			continue
		}
		items, _, err := unstructured.NestedSlice(m, "items")
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", source, doc, err)
		}
		for _, item := range items {
			if im, ok := item.(map[string]any); ok {
				out = append(out, object.New(&unstructured.Unstructured{Object: im}, source))
			}
		}
	}
}

// helmOptions are the entry's `helm template` flags, for both renders.
func helmOptions(e *entry, kubeVersion string) render.HelmOptions {
	return render.HelmOptions{
		ReleaseName: e.Helm.ReleaseName,
		Namespace:   e.Helm.Namespace,
		ValuesFiles: e.Helm.ValuesFiles,
		Set:         e.Helm.Set,
		KubeVersion: kubeVersion,
	}
}

// kubeVersion is the Kubernetes version a `tug` or `helm` binary built
// from this module offers charts when no cluster says otherwise: Helm
// derives it from the k8s.io/client-go it is built with (v0.X.Y gives
// v1.X.0). In a test binary Helm pins v1.20.0 instead, which no real
// render sees, so both renders are given this one explicitly.
func kubeVersion() (string, error) {
	data, err := os.ReadFile("../../go.mod")
	if err != nil {
		return "", fmt.Errorf("kube version: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "k8s.io/client-go" {
			continue
		}
		_, minor, ok := strings.Cut(f[1], ".")
		minor, _, ok2 := strings.Cut(minor, ".")
		if !ok || !ok2 || !strings.HasPrefix(f[1], "v0.") {
			return "", fmt.Errorf("kube version: unexpected k8s.io/client-go version %q", f[1])
		}
		return "v1." + minor + ".0", nil
	}
	return "", fmt.Errorf("kube version: go.mod does not require k8s.io/client-go")
}
