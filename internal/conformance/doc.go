// Package conformance holds Tugboat to the reference renderers on the
// corpus in testdata/conformance: real overlays and charts copied from
// public projects, each rendered by Tugboat's render engine and by the
// kustomize API, the Helm SDK (pkg/action, as `helm template` runs it) or a
// plain YAML decoder, then compared object for object, field for field.
//
// The only differences allowed are the deliberate ones documented in
// testdata/conformance/README.md ("Deliberate differences"), each a named
// rule the test applies explicitly. BenchmarkRender times Tugboat against
// the same references on the largest entries.
//
// The package has no code of its own: everything is in its tests.
package conformance
