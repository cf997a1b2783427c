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
	// ImageUpdate says how image updates are committed to the app's files.
	// +optional
	ImageUpdate *ImageUpdateSpec `json:"imageUpdate,omitempty"`
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

// ImageUpdateSpec says how the images that policies pick are written to
// the app's files (under its path) and committed. The files name the
// policies: a marker comment on a YAML field, a kustomization's images,
// or Fields.
type ImageUpdateSpec struct {
	// Enabled lets the controller commit image updates for this
	// Application. `tug image update` ignores it: running it is the
	// opt-in.
	// +optional
	Enabled bool `json:"enabled,omitempty"`
	// Branch is pushed to; empty means the branch the app tracks (its
	// ref). Another branch is a review flow: someone merges it.
	// +optional
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[^\s~^:?*\[\\]+$`
	Branch string `json:"branch,omitempty"`
	// Author of the commits (default tugboat <tugboat@tugboat.dev>).
	// +optional
	Author *CommitAuthor `json:"author,omitempty"`
	// MessageTemplate is a Go text/template of the commit message. Its
	// data has .Changes, each with .App, .Image, .Old, .New (tags or
	// references) and .File (relative to the repository root). The
	// default is "tugboat: update images", a blank line, then one line per
	// change: "APP: IMAGE OLD -> NEW".
	// +optional
	MessageTemplate string `json:"messageTemplate,omitempty"`
	// SecretRef names a Secret with git credentials that may push, under
	// the keys of spec.secretRef; empty means spec.secretRef. Only the
	// controller reads it: tug pushes with its machine's credentials.
	// +optional
	SecretRef *LocalSecretReference `json:"secretRef,omitempty"`
	// Fields are YAML fields that carry no marker comment, such as Helm
	// values, named by file and path.
	// +optional
	// +kubebuilder:validation:MaxItems=100
	Fields []ImageField `json:"fields,omitempty"`
}

// CommitAuthor is a git identity.
type CommitAuthor struct {
	// +optional
	Name string `json:"name,omitempty"`
	// +optional
	Email string `json:"email,omitempty"`
}

// Parts of an image reference that an ImageField can hold.
const (
	// ImagePartTag: the field holds the tag ("1.2.0"), or TAG@DIGEST
	// under a digest policy.
	ImagePartTag = "tag"
	// ImagePartName: the field holds the repository ("ghcr.io/org/app").
	ImagePartName = "name"
	// ImagePartDigest: the field holds the digest ("sha256:...").
	ImagePartDigest = "digest"
)

// ImageField is one YAML field set from a policy.
//
// +kubebuilder:validation:XValidation:rule="!self.file.startsWith('/') && !self.file.matches('(^|/)[.][.](/|$)')",message="file: want a path inside the app's path"
type ImageField struct {
	// File is relative to the app's path.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	File string `json:"file"`
	// Path is the field's keys joined by dots: "image.tag".
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^[^.]+(\.[^.]+)*$`
	Path string `json:"path"`
	// Policy names the ImagePolicy (in tugboat.yaml, the imagePolicies
	// entry) whose latest image is written.
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`
	Policy string `json:"policy"`
	// Part is what the field holds: empty for the whole reference, or
	// tag, name or digest.
	// +optional
	// +kubebuilder:validation:Enum="";tag;name;digest
	Part string `json:"part,omitempty"`
}

// RepositoryFile is tugboat.yaml: the apps a repository declares. It is a
// file, not a resource: no CRD is generated for it.
type RepositoryFile struct {
	APIVersion string    `json:"apiVersion"`
	Kind       string    `json:"kind"`
	Apps       []AppSpec `json:"apps"`
	// ImagePolicies are what `tug image update` applies to the apps'
	// files; in a cluster, ImagePolicy resources play their part.
	ImagePolicies []NamedImagePolicy `json:"imagePolicies,omitempty"`
}

// RepositoryKind is the kind of tugboat.yaml.
const RepositoryKind = "Repository"
