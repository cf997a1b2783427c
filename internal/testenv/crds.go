package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
)

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// InstallCRDs applies the CustomResourceDefinitions of the YAML file at
// path and waits until each one's kinds are served, as a controller's test
// needs before it starts.
func (c *Cluster) InstallCRDs(ctx context.Context, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dyn := dynamic.NewForConfigOrDie(c.Config)
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		var u unstructured.Unstructured
		if err := dec.Decode(&u.Object); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if u.Object == nil {
			continue
		}
		body, err := u.MarshalJSON()
		if err != nil {
			return err
		}
		force := true
		if _, err := dyn.Resource(crdResource).Patch(ctx, u.GetName(), types.ApplyPatchType, body,
			metav1.PatchOptions{FieldManager: "testenv", Force: &force}); err != nil {
			return fmt.Errorf("apply CRD %s: %w", u.GetName(), err)
		}
		if err := waitServed(ctx, dyn, &u); err != nil {
			return err
		}
	}
}

// waitServed waits until the CRD's first version of its kind can be listed.
func waitServed(ctx context.Context, dyn dynamic.Interface, crd *unstructured.Unstructured) error {
	group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
	plural, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "plural")
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	if len(versions) == 0 {
		return fmt.Errorf("CRD %s has no versions", crd.GetName())
	}
	version, _ := versions[0].(map[string]any)["name"].(string)
	gvr := schema.GroupVersionResource{Group: group, Version: version, Resource: plural}
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{Limit: 1})
		return err == nil, nil
	})
	if err != nil {
		return fmt.Errorf("CRD %s not served: %w", crd.GetName(), err)
	}
	return nil
}
