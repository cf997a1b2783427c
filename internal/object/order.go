package object

import (
	"sort"
)

// Stage is a step of the apply order.
type Stage int

// The stages, applied in this order and pruned in reverse.
const (
	// StageDefinitions: CRDs and Namespaces, which others may need.
	StageDefinitions Stage = iota
	// StageCluster: other cluster-scoped objects.
	StageCluster
	// StageNamespaced: everything else.
	StageNamespaced
)

// StageOf returns the stage of o, telling scopes with scope.
func StageOf(o *Object, scope ScopeFunc) Stage {
	id := o.ID()
	if id.Kind == "Namespace" && id.Group == "" || id.Kind == "CustomResourceDefinition" && id.Group == "apiextensions.k8s.io" {
		return StageDefinitions
	}
	if namespaced, _ := scope(id.GroupKind()); !namespaced {
		return StageCluster
	}
	return StageNamespaced
}

// Step is a group of objects applied together: one phase, stage and wave.
type Step struct {
	Phase   Phase
	Stage   Stage
	Wave    int
	Objects []*Object
}

// Steps groups objs into apply steps: by phase (pre hooks, the app, post
// hooks), then stage, then wave, and within a step in a stable order
// (kind, namespace, name).
func Steps(objs []*Object, scope ScopeFunc) ([]Step, error) {
	type key struct {
		phase Phase
		stage Stage
		wave  int
	}
	groups := map[key][]*Object{}
	for _, o := range objs {
		w, err := Wave(o)
		if err != nil {
			return nil, err
		}
		k := key{PhaseOf(o), StageOf(o, scope), w}
		groups[k] = append(groups[k], o)
	}
	steps := make([]Step, 0, len(groups))
	for k, g := range groups {
		sort.SliceStable(g, func(i, j int) bool { return less(g[i].ID(), g[j].ID()) })
		steps = append(steps, Step{Phase: k.phase, Stage: k.stage, Wave: k.wave, Objects: g})
	}
	sort.Slice(steps, func(i, j int) bool {
		a, b := steps[i], steps[j]
		if a.Phase != b.Phase {
			return a.Phase < b.Phase
		}
		if a.Stage != b.Stage {
			return a.Stage < b.Stage
		}
		return a.Wave < b.Wave
	})
	return steps, nil
}

func less(a, b ID) bool {
	if a.Group != b.Group {
		return a.Group < b.Group
	}
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	return a.Name < b.Name
}
