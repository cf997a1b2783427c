// Package object holds the unit every stage of the pipeline passes on: a
// Kubernetes object with its identity and where it came from.
package object

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ID identifies an object in a cluster. The version is not part of it: one
// object is served under several versions.
type ID struct {
	Group     string `json:"group,omitempty"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// String renders the id as kind[.group]/[namespace/]name, e.g.
// "Deployment.apps/web/frontend" or "Namespace/web".
func (id ID) String() string {
	var b strings.Builder
	b.WriteString(id.Kind)
	if id.Group != "" {
		b.WriteString("." + id.Group)
	}
	b.WriteString("/")
	if id.Namespace != "" {
		b.WriteString(id.Namespace + "/")
	}
	b.WriteString(id.Name)
	return b.String()
}

// GroupKind returns the id's group and kind.
func (id ID) GroupKind() schema.GroupKind {
	return schema.GroupKind{Group: id.Group, Kind: id.Kind}
}

// Object is a rendered object and its origin.
type Object struct {
	*unstructured.Unstructured
	// Source says where the object came from, for errors: a file path
	// relative to the repository, a chart template, or a kustomization.
	Source string `json:"-"`
	// FromChart marks output of a Helm chart, which variable substitution
	// leaves alone unless the app asks otherwise.
	FromChart bool `json:"-"`
}

// New wraps u with its origin.
func New(u *unstructured.Unstructured, source string) *Object {
	return &Object{Unstructured: u, Source: source}
}

// ID returns the object's identity.
func (o *Object) ID() ID {
	gvk := o.GroupVersionKind()
	return ID{Group: gvk.Group, Kind: gvk.Kind, Namespace: o.GetNamespace(), Name: o.GetName()}
}

// String names the object and its origin, for error messages.
func (o *Object) String() string {
	if o.Source == "" {
		return o.ID().String()
	}
	return fmt.Sprintf("%s (from %s)", o.ID(), o.Source)
}

// DeepCopy copies the object and its origin.
func (o *Object) DeepCopy() *Object {
	return &Object{Unstructured: o.Unstructured.DeepCopy(), Source: o.Source, FromChart: o.FromChart}
}

// FromMap wraps a JSON-compatible map (as decoded from JSON or produced by
// kustomize) as an object, normalizing its numbers.
func FromMap(m map[string]any, source string) (*Object, error) {
	clean, err := normalize(m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return New(&unstructured.Unstructured{Object: clean.(map[string]any)}, source), nil
}

func unstructuredString(o *Object, fields ...string) (string, bool, error) {
	return unstructured.NestedString(o.Object, fields...)
}
