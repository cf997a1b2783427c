// Package v1alpha1 holds Tugboat's API types, group tugboat.dev: the app
// spec that a repository's tugboat.yaml declares and that the Application
// resource will carry, so that push and pull mean the same thing.
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GroupVersion is the API group and version of these types.
const GroupVersion = "tugboat.dev/v1alpha1"

// AppSpec declares one app: its source, how to render it, where it goes
// and how it is synced.
type AppSpec struct {
	// Name identifies the app; a DNS label (it is a label value).
	Name string `json:"name"`
	// Repo is a git URL; empty means the repository holding tugboat.yaml.
	Repo string `json:"repo,omitempty"`
	// Ref is a branch, tag, semver:RANGE or commit of Repo.
	Ref string `json:"ref,omitempty"`
	// Path is the app's directory in the repository.
	Path string `json:"path,omitempty"`
	// Chart is a chart from a chart repository instead of Path.
	Chart *ChartSource `json:"chart,omitempty"`
	// Renderer is plain, kustomize or helm; empty means detected.
	Renderer  string         `json:"renderer,omitempty"`
	Helm      *HelmSpec      `json:"helm,omitempty"`
	Kustomize *KustomizeSpec `json:"kustomize,omitempty"`
	// Vars are substituted for ${NAME} in the rendered objects, except in
	// Helm chart output unless Substitute is true.
	Vars map[string]string `json:"vars,omitempty"`
	// Substitute true substitutes ${NAME} even with no Vars and in Helm
	// chart output; false never substitutes; unset substitutes only when
	// Vars are given.
	Substitute *bool `json:"substitute,omitempty"`
	// AllowUndefinedVars leaves an undefined ${NAME} as it is.
	AllowUndefinedVars bool `json:"allowUndefinedVars,omitempty"`
	// Labels are added to every object.
	Labels      map[string]string `json:"labels,omitempty"`
	Destination Destination       `json:"destination,omitempty"`
	Sync        SyncPolicy        `json:"sync,omitempty"`
}

// ChartSource names a chart in an index.yaml or OCI repository.
type ChartSource struct {
	Repo    string `json:"repo"`
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// HelmSpec holds `helm template` options.
type HelmSpec struct {
	ReleaseName string `json:"releaseName,omitempty"`
	// ValuesFiles are relative to the repository root.
	ValuesFiles []string `json:"valuesFiles,omitempty"`
	// Values are inline values, merged after the files.
	Values   map[string]any `json:"values,omitempty"`
	SkipCRDs bool           `json:"skipCRDs,omitempty"`
}

// KustomizeSpec holds the kustomize opt-ins, all off by default.
type KustomizeSpec struct {
	// AllowRemoteBases lets the kustomization fetch git or HTTP bases and
	// HTTP files.
	AllowRemoteBases bool `json:"allowRemoteBases,omitempty"`
	// EnableHelm inflates helmCharts vendored in the repository, with
	// Tugboat's Helm renderer.
	EnableHelm bool `json:"enableHelm,omitempty"`
}

// Destination is where the app is deployed.
type Destination struct {
	// Context is the kubeconfig context; empty means the current one.
	Context string `json:"context,omitempty"`
	// Namespace is set on namespaced objects that have none, and is the
	// Helm release namespace.
	Namespace string `json:"namespace,omitempty"`
}

// SyncPolicy says how the app is synced.
type SyncPolicy struct {
	// Prune deletes what the app no longer declares (default true).
	Prune *bool `json:"prune,omitempty"`
	// AllowEmpty lets the app render to nothing.
	AllowEmpty bool `json:"allowEmpty,omitempty"`
	// Wait for health after apply, up to Timeout (default 5m).
	Wait    bool             `json:"wait,omitempty"`
	Timeout *metav1.Duration `json:"timeout,omitempty"`
	// ForceConflicts takes fields from other field managers.
	ForceConflicts bool `json:"forceConflicts,omitempty"`
	// ForceRecreate re-creates objects whose immutable fields change.
	ForceRecreate bool `json:"forceRecreate,omitempty"`
}

// RepositoryFile is tugboat.yaml: the apps a repository declares.
type RepositoryFile struct {
	APIVersion string    `json:"apiVersion"`
	Kind       string    `json:"kind"`
	Apps       []AppSpec `json:"apps"`
}

// RepositoryKind is the kind of tugboat.yaml.
const RepositoryKind = "Repository"
