package plan

import (
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// crdsOf maps each kind that a CustomResourceDefinition of objs defines to
// that CRD.
func crdsOf(objs []*object.Object) map[schema.GroupKind]*object.Object {
	crds := map[schema.GroupKind]*object.Object{}
	for _, o := range objs {
		id := o.ID()
		if id.Group != "apiextensions.k8s.io" || id.Kind != "CustomResourceDefinition" {
			continue
		}
		group, _, _ := unstructured.NestedString(o.Object, "spec", "group")
		kind, _, _ := unstructured.NestedString(o.Object, "spec", "names", "kind")
		crds[schema.GroupKind{Group: group, Kind: kind}] = o
	}
	return crds
}

// validateWithCRD checks a custom object against the schema its CRD, which
// comes in the same set and so is not served yet, gives its version: the
// API server cannot dry-run it before the CRD is applied, and an invalid
// object found only then would leave the apply half-done.
func validateWithCRD(o, crd *object.Object) error {
	version := o.GroupVersionKind().Version
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	for _, v := range versions {
		vm, _ := v.(map[string]any)
		if vm["name"] != version {
			continue
		}
		if served, _ := vm["served"].(bool); !served {
			return fmt.Errorf("%s: version %s is not served by %s", o, version, crd)
		}
		raw, ok, _ := unstructured.NestedMap(vm, "schema", "openAPIV3Schema")
		if !ok {
			return nil
		}
		return validateSchema(o, raw)
	}
	return fmt.Errorf("%s: %s defines no version %s", o, crd, version)
}

func validateSchema(o *object.Object, raw map[string]any) error {
	data, err := json.Marshal(raw)
	if err != nil {
		return fmt.Errorf("%s: schema of its CRD: %w", o, err)
	}
	var s spec.Schema
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("%s: schema of its CRD: %w", o, err)
	}
	// The API server validates metadata itself and the schema only below it.
	obj := o.UnstructuredContent()
	body := make(map[string]any, len(obj))
	for k, v := range obj {
		if k != "metadata" {
			body[k] = v
		}
	}
	res := validate.NewSchemaValidator(&s, nil, "", strfmt.Default).Validate(body)
	if res.IsValid() {
		return nil
	}
	msgs := make([]string, len(res.Errors))
	for i, e := range res.Errors {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%s: invalid against the schema of its CRD in the same set: %s", o, strings.Join(msgs, "; "))
}
