package object

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
)

// Labels and annotations Tugboat puts on, or reads from, the objects it
// manages.
const (
	// LabelManagedBy marks every object Tugboat applied.
	LabelManagedBy = "tugboat.dev/managed-by"
	// ManagedByValue is LabelManagedBy's value.
	ManagedByValue = "tugboat"
	// LabelApp names the app that owns the object.
	LabelApp = "tugboat.dev/app"
	// AnnotationHash is the hash of the desired manifest last applied.
	AnnotationHash = "tugboat.dev/applied-hash"
	// AnnotationPrune set to "disabled" keeps an object when its app no
	// longer declares it.
	AnnotationPrune = "tugboat.dev/prune"
	// AnnotationWave orders objects within a stage: lower waves first.
	AnnotationWave = "tugboat.dev/wave"
	// AnnotationRecreate set to "true" lets Tugboat delete and re-create
	// the object when an immutable field changes.
	AnnotationRecreate = "tugboat.dev/recreate"
	// AnnotationSubstitute set to "disabled" leaves the object's ${NAME}
	// text alone even where the app substitutes variables.
	AnnotationSubstitute = "tugboat.dev/substitute"
	// AnnotationChartOutput marks, inside the kustomize renderer only, the
	// objects its helmCharts inflated; it never leaves the renderer.
	AnnotationChartOutput = "render.tugboat.dev/chart-output"
)

// Stamp labels o as owned by app and records the hash of its desired
// manifest, computed before the hash annotation itself is set.
func Stamp(o *Object, app string) error {
	labels := o.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[LabelManagedBy] = ManagedByValue
	labels[LabelApp] = app
	o.SetLabels(labels)
	annotations := o.GetAnnotations()
	delete(annotations, AnnotationHash)
	o.SetAnnotations(annotations)
	data, err := json.Marshal(o.Object)
	if err != nil {
		return fmt.Errorf("%s: hash: %w", o, err)
	}
	sum := sha256.Sum256(data)
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[AnnotationHash] = hex.EncodeToString(sum[:16])
	o.SetAnnotations(annotations)
	return nil
}

// Wave returns the object's wave: its tugboat.dev/wave, else a hook's
// weight, else 0.
func Wave(o *Object) (int, error) {
	v, ok := o.GetAnnotations()[AnnotationWave]
	if !ok {
		h, err := HookOf(o)
		if err != nil || h == nil {
			return 0, err
		}
		return h.Weight, nil
	}
	w, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s: annotation %s=%q: want an integer", o, AnnotationWave, v)
	}
	return w, nil
}
