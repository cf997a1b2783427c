package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AppSpec declares one app: its source, how to render it, where it goes
// and how it is synced. It is both an entry of tugboat.yaml and the spec
// of an Application.
//
// +kubebuilder:validation:XValidation:rule="(has(self.path) && size(self.path) > 0) || has(self.chart)",message="path: required unless chart is given"
type AppSpec struct {
	// Name identifies the app; a DNS label (it is a label value). Required
	// in tugboat.yaml; an Application without one is named after itself.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`
	Name string `json:"name,omitempty"`
	// Repo is a git URL; empty means the repository holding tugboat.yaml.
	// +optional
	Repo string `json:"repo,omitempty"`
	// Ref is a branch, tag, semver:RANGE or commit of Repo.
	// +optional
	Ref string `json:"ref,omitempty"`
	// Path is the app's directory in the repository.
	// +optional
	Path string `json:"path,omitempty"`
	// Chart is a chart from a chart repository instead of Path.
	// +optional
	Chart *ChartSource `json:"chart,omitempty"`
	// Renderer is plain, kustomize or helm; empty means detected.
	// +optional
	// +kubebuilder:validation:Enum=plain;kustomize;helm
	Renderer string `json:"renderer,omitempty"`
	// +optional
	Helm *HelmSpec `json:"helm,omitempty"`
	// +optional
	Kustomize *KustomizeSpec `json:"kustomize,omitempty"`
	// Vars are substituted for ${NAME} in the rendered objects, except in
	// Helm chart output unless Substitute is true.
	// +optional
	Vars map[string]string `json:"vars,omitempty"`
	// Substitute true substitutes ${NAME} even with no Vars and in Helm
	// chart output; false never substitutes; unset substitutes only when
	// Vars are given.
	// +optional
	Substitute *bool `json:"substitute,omitempty"`
	// AllowUndefinedVars leaves an undefined ${NAME} as it is.
	// +optional
	AllowUndefinedVars bool `json:"allowUndefinedVars,omitempty"`
	// Labels are added to every object.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// +optional
	Destination Destination `json:"destination,omitempty"`
	// +optional
	Sync SyncPolicy `json:"sync,omitempty"`
}

// ChartSource names a chart in an index.yaml or OCI repository.
type ChartSource struct {
	// +kubebuilder:validation:MinLength=1
	Repo string `json:"repo"`
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// +optional
	Version string `json:"version,omitempty"`
}

// HelmSpec holds `helm template` options.
type HelmSpec struct {
	// +optional
	ReleaseName string `json:"releaseName,omitempty"`
	// ValuesFiles are relative to the repository root.
	// +optional
	ValuesFiles []string `json:"valuesFiles,omitempty"`
	// Values are inline values, merged after the files. They are kept as
	// JSON, not a map, because a CRD schema cannot describe map[string]any;
	// the pipeline decodes them.
	// +optional
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Values *apiextensionsv1.JSON `json:"values,omitempty"`
	// +optional
	SkipCRDs bool `json:"skipCRDs,omitempty"`
}

// KustomizeSpec holds the kustomize opt-ins, all off by default.
type KustomizeSpec struct {
	// AllowRemoteBases lets the kustomization fetch git or HTTP bases and
	// HTTP files.
	// +optional
	AllowRemoteBases bool `json:"allowRemoteBases,omitempty"`
	// EnableHelm inflates helmCharts vendored in the repository, with
	// Tugboat's Helm renderer.
	// +optional
	EnableHelm bool `json:"enableHelm,omitempty"`
}

// SyncPolicy says how the app is synced.
type SyncPolicy struct {
	// Prune deletes what the app no longer declares (default true).
	// +optional
	Prune *bool `json:"prune,omitempty"`
	// AllowEmpty lets the app render to nothing.
	// +optional
	AllowEmpty bool `json:"allowEmpty,omitempty"`
	// Wait for health after apply, up to Timeout (default 5m).
	// +optional
	Wait bool `json:"wait,omitempty"`
	// Timeout bounds the wait, as a Go duration ("90s", "5m").
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`
	// ForceConflicts takes fields from other field managers.
	// +optional
	ForceConflicts bool `json:"forceConflicts,omitempty"`
	// ForceRecreate re-creates objects whose immutable fields change.
	// +optional
	ForceRecreate bool `json:"forceRecreate,omitempty"`
}

// RepositoryFile is tugboat.yaml: the apps a repository declares. It is a
// file, not a resource: no CRD is generated for it.
type RepositoryFile struct {
	APIVersion string    `json:"apiVersion"`
	Kind       string    `json:"kind"`
	Apps       []AppSpec `json:"apps"`
}

// RepositoryKind is the kind of tugboat.yaml.
const RepositoryKind = "Repository"
