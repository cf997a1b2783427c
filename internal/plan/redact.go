package plan

import (
	"encoding/base64"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// Markers that stand in for a Secret value. They say whether a value
// changed and nothing else: a hash, even a truncated one, would let anyone
// who reads a diff guess a short password offline.
const (
	redactedValue  = "***"
	redactedBefore = "*** (before)"
	redactedAfter  = "*** (after)"
)

// secretValueFields are the fields of a core/v1 Secret that hold values.
var secretValueFields = []string{"data", "stringData"}

// Redact returns a copy of u fit to print, log or store in a status: each
// value of a Secret's data and stringData reads "***", and so do the
// annotations that copy an object's content (kubectl's last-applied
// configuration, and Tugboat's applied hash on a Secret). u is not
// changed; a nil u gives nil.
func Redact(u *unstructured.Unstructured) *unstructured.Unstructured {
	r, _ := RedactPair(u, nil)
	return r
}

// RedactPair redacts two versions of one object as Redact does, with
// markers that still show which keys of a Secret changed: a key with the
// same value on both sides reads "***" on both, a key whose value differs
// reads "*** (before)" in before and "*** (after)" in after, and a key on
// one side only reads "***". Values compare as the API server stores them,
// so data "YQ==" equals stringData "a". Either side may be nil; neither is
// changed.
func RedactPair(before, after *unstructured.Unstructured) (b, a *unstructured.Unstructured) {
	bv, av := secretValues(before), secretValues(after)
	return redactSide(before, bv, av, redactedBefore), redactSide(after, av, bv, redactedAfter)
}

// redactSide redacts a copy of u, whose Secret values are own, against the
// other side's values; changed marks a key whose values differ.
func redactSide(u *unstructured.Unstructured, own, other map[string]string, changed string) *unstructured.Unstructured {
	if u == nil {
		return nil
	}
	out := u.DeepCopy()
	redactAnnotation(out, kubectlLastApplied)
	if !isSecret(out) {
		return out
	}
	// The hash covers the values, and a short value can be guessed from
	// its unkeyed hash.
	redactAnnotation(out, object.AnnotationHash)
	for _, f := range secretValueFields {
		v, found := out.Object[f]
		if !found || v == nil {
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			// Malformed, but whatever it holds is still a secret.
			out.Object[f] = redactedValue
			continue
		}
		for k := range m {
			m[k] = redactionMarker(k, own, other, changed)
		}
	}
	return out
}

// redactionMarker picks the marker for key: changed only when both sides
// hold the key with different values.
func redactionMarker(key string, own, other map[string]string, changed string) string {
	theirs, ok := other[key]
	if !ok || theirs == own[key] {
		return redactedValue
	}
	return changed
}

// secretValues returns the values a Secret would store, by key, for
// comparison only; nil when u is not a Secret. As in the API server,
// stringData wins over data.
func secretValues(u *unstructured.Unstructured) map[string]string {
	if u == nil || !isSecret(u) {
		return nil
	}
	vals := map[string]string{}
	data, _ := u.Object["data"].(map[string]any)
	for k, v := range data {
		vals[k] = comparableSecretValue(v, true)
	}
	strs, _ := u.Object["stringData"].(map[string]any)
	for k, v := range strs {
		vals[k] = comparableSecretValue(v, false)
	}
	return vals
}

// comparableSecretValue decodes a data value (encoded) or takes a
// stringData value as is. The prefixes keep a value that is not valid
// base64, or not a string, from comparing equal to a decoded one.
func comparableSecretValue(v any, encoded bool) string {
	s, ok := v.(string)
	if !ok {
		return fmt.Sprintf("other:%T:%v", v, v)
	}
	if !encoded {
		return "value:" + s
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "invalid:" + s
	}
	return "value:" + string(raw)
}

// redactAnnotation replaces the value of annotation key, when present.
func redactAnnotation(u *unstructured.Unstructured, key string) {
	v, found, err := unstructured.NestedFieldNoCopy(u.Object, "metadata", "annotations")
	if !found || err != nil {
		return
	}
	if m, ok := v.(map[string]any); ok {
		if _, has := m[key]; has {
			m[key] = redactedValue
		}
	}
}

// isSecret reports whether u is a core Secret, whatever its version.
func isSecret(u *unstructured.Unstructured) bool {
	gvk := u.GroupVersionKind()
	return gvk.Group == "" && gvk.Kind == "Secret"
}
