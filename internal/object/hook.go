package object

import (
	"fmt"
	"strconv"
	"strings"
)

// Helm's hook annotations, which Tugboat honours on objects from any
// renderer, as Argo CD and Flux do.
const (
	AnnotationHelmHook         = "helm.sh/hook"
	AnnotationHelmHookWeight   = "helm.sh/hook-weight"
	AnnotationHelmDeletePolicy = "helm.sh/hook-delete-policy"
)

// Phase is the part of an apply an object belongs to: pre hooks, the
// app's objects, then post hooks.
type Phase int

// The phases, in apply order.
const (
	PhasePre Phase = iota - 1
	PhaseMain
	PhasePost
)

// Hook is what the helm.sh/hook annotations ask of an object.
type Hook struct {
	// Install and Upgrade say on which kind of apply the hook runs: the
	// first one of the app (install) or a later one (upgrade).
	Install, Upgrade bool
	// Phase is PhasePre or PhasePost.
	Phase Phase
	// Weight orders hooks within their phase, as a wave does.
	Weight int
	// BeforeCreation deletes the previous run's object before the hook is
	// created again; Succeeded and Failed delete it after the run.
	BeforeCreation, Succeeded, Failed bool
}

// HookOf returns the hook o declares, or nil if it is an ordinary object.
// A hook of no event Tugboat runs (test, delete and rollback hooks) is
// returned with Install and Upgrade false.
func HookOf(o *Object) (*Hook, error) {
	ann := o.GetAnnotations()
	events, ok := ann[AnnotationHelmHook]
	if !ok {
		return nil, nil
	}
	h := &Hook{Phase: PhasePost}
	pre := false
	for _, e := range strings.Split(events, ",") {
		switch strings.TrimSpace(e) {
		case "pre-install":
			h.Install, pre = true, true
		case "pre-upgrade":
			h.Upgrade, pre = true, true
		case "post-install":
			h.Install = true
		case "post-upgrade":
			h.Upgrade = true
		}
	}
	if pre {
		// Also post: applied once, before, and kept until the run ends.
		h.Phase = PhasePre
	}
	if w := strings.TrimSpace(ann[AnnotationHelmHookWeight]); w != "" {
		n, err := strconv.Atoi(w)
		if err != nil {
			return nil, fmt.Errorf("%s: annotation %s=%q: want an integer", o, AnnotationHelmHookWeight, w)
		}
		h.Weight = n
	}
	policies, set := ann[AnnotationHelmDeletePolicy]
	for _, p := range strings.Split(policies, ",") {
		switch strings.TrimSpace(p) {
		case "before-hook-creation":
			h.BeforeCreation = true
		case "hook-succeeded":
			h.Succeeded = true
		case "hook-failed":
			h.Failed = true
		}
	}
	// Helm's default when no policy is given.
	h.BeforeCreation = h.BeforeCreation || !set
	return h, nil
}

// Runs reports whether the hook runs on an install (the app's first
// apply) or, if install is false, on an upgrade.
func (h *Hook) Runs(install bool) bool {
	if install {
		return h.Install
	}
	return h.Upgrade
}

// IsTestHook reports whether o is a Helm test hook, which `helm test`
// runs and an install never applies.
func IsTestHook(o *Object) bool {
	for _, e := range strings.Split(o.GetAnnotations()[AnnotationHelmHook], ",") {
		if e = strings.TrimSpace(e); e == "test" || e == "test-success" {
			return true
		}
	}
	return false
}

// PhaseOf returns the phase o is applied in.
func PhaseOf(o *Object) Phase {
	h, err := HookOf(o)
	if err != nil || h == nil {
		return PhaseMain
	}
	return h.Phase
}
