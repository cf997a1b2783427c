package render

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// PostOptions apply to the output of every renderer.
type PostOptions struct {
	// Namespace is set on namespaced objects that have none.
	Namespace string
	// Scope tells namespaced kinds from cluster-scoped ones beyond the
	// built-in kinds and the CRDs in the set (the pipeline passes the
	// cluster's discovery); an unknown kind counts as namespaced.
	Scope object.ScopeFunc `json:"-"`
	// Substitute says whether Vars are substituted for ${NAME} (or
	// ${NAME:=default}); where they are, an undefined name is an error
	// unless AllowUndefinedVars, and "$${NAME}" stands for a literal
	// "${NAME}". Objects annotated tugboat.dev/substitute: disabled are
	// left alone.
	Substitute         Substitution
	Vars               map[string]string
	AllowUndefinedVars bool
	// Labels are added to every object's metadata (never to selectors,
	// which are immutable).
	Labels map[string]string
}

// Substitution says when ${NAME} substitution runs. It is opt-in, as
// Flux's postBuild is: "${HOME}" in a shell script or a chart's test pod is
// text for the shell, not for Tugboat.
type Substitution string

// The substitution modes.
const (
	// SubstituteAuto substitutes when the app declares Vars, except in
	// Helm chart output, whose templates have values for that.
	SubstituteAuto Substitution = ""
	// SubstituteOn substitutes in every render, Helm chart output
	// included, with or without Vars.
	SubstituteOn Substitution = "on"
	// SubstituteOff never substitutes.
	SubstituteOff Substitution = "off"
)

// enabled reports whether substitution runs at all.
func (s Substitution) enabled(vars map[string]string) bool {
	switch s {
	case SubstituteOn:
		return true
	case SubstituteOff:
		return false
	}
	return len(vars) > 0
}

// PostRender applies opts to objs, in place, and returns them. Helm test
// hooks are left out, from any renderer: they are for `helm test`, and
// neither Argo CD nor Flux applies them.
func PostRender(objs []*object.Object, opts PostOptions) ([]*object.Object, error) {
	objs = slices.DeleteFunc(objs, object.IsTestHook)
	scope := object.SetScope(objs, opts.Scope)
	subst := opts.Substitute.enabled(opts.Vars)
	for i, o := range objs {
		if subst && (!o.FromChart || opts.Substitute == SubstituteOn) &&
			o.GetAnnotations()[object.AnnotationSubstitute] != "disabled" && hasVarRef(o.Object) {
			sub, err := substitute(o, opts.Vars, opts.AllowUndefinedVars)
			if err != nil {
				return nil, err
			}
			objs[i], o = sub, sub
		}
		namespaced, known := scope(o.ID().GroupKind())
		switch {
		case known && !namespaced && o.GetNamespace() != "":
			// A chart's ClusterRole with namespace: {{ .Release.Namespace }}:
			// the API server ignores it, and so must the object's identity,
			// or delete and prune would look for it in a namespace.
			o.SetNamespace("")
		case namespaced && opts.Namespace != "" && o.GetNamespace() == "":
			o.SetNamespace(opts.Namespace)
		}
		if len(opts.Labels) > 0 {
			labels := o.GetLabels()
			if labels == nil {
				labels = map[string]string{}
			}
			for k, v := range opts.Labels {
				labels[k] = v
			}
			o.SetLabels(labels)
		}
	}
	return objs, nil
}

// hasVarRef reports whether any string in v contains "${".
func hasVarRef(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		for _, e := range t {
			if hasVarRef(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if hasVarRef(e) {
				return true
			}
		}
	case string:
		return strings.Contains(t, "${")
	}
	return false
}

// objectError is an error about o; format may wrap a cause with %w.
func objectError(o *object.Object, format string, args ...any) error {
	return fmt.Errorf("%s: "+format, append([]any{o}, args...)...)
}
