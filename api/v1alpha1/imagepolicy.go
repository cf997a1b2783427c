package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ImagePolicy watches an image repository and picks the newest tag its
// policy allows; Applications whose files name it (by a marker comment, a
// kustomization's images or spec.imageUpdate.fields) get that image
// committed. Its name is what they name it by, so it is a DNS label, as
// the names of tugboat.yaml's imagePolicies are.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:categories=tugboat
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$')",message="metadata.name: want a DNS label (markers name the policy by it)"
// +kubebuilder:printcolumn:name="Latest",type=string,JSONPath=`.status.latestImage`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ImagePolicy struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ImagePolicySpec `json:"spec"`
	// +optional
	Status ImagePolicyStatus `json:"status,omitempty"`
}

// ImagePolicySpec says which image repository to scan and which of its
// tags is the latest. It is both the spec of an ImagePolicy and, with a
// name, an entry of tugboat.yaml's imagePolicies.
type ImagePolicySpec struct {
	// Image is an image repository, without tag or digest:
	// "ghcr.io/org/app", "127.0.0.1:5000/team/app", "nginx".
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^((([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(:[0-9]+)?/)?[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*$`
	// +kubebuilder:validation:XValidation:rule="!self.matches('@|:[^/]*$')",message="want a repository without tag or digest (e.g. ghcr.io/org/app)"
	Image string `json:"image"`
	// Policy orders the tags; exactly one of its fields is set.
	Policy TagPolicy `json:"policy"`
	// FilterTags keeps only the tags its pattern matches, and can sort on
	// a part of the tag instead of the whole.
	// +optional
	FilterTags *TagFilter `json:"filterTags,omitempty"`
	// Interval is how often the registry is scanned (default 5m).
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	Interval *metav1.Duration `json:"interval,omitempty"`
	// SecretRef names a Secret in the policy's namespace that holds the
	// registry's credentials: a Secret of type
	// kubernetes.io/dockerconfigjson, or the keys username and password,
	// or token.
	// +optional
	SecretRef *LocalSecretReference `json:"secretRef,omitempty"`
	// Insecure allows plain HTTP to the registry. A loopback registry
	// (127.0.0.1, ::1, localhost) is always allowed plain HTTP.
	// +optional
	Insecure bool `json:"insecure,omitempty"`
}

// TagPolicy orders tags. Exactly one field is set.
//
// +kubebuilder:validation:XValidation:rule="[has(self.semver), has(self.alphabetical), has(self.numerical), has(self.digest)].filter(x, x).size() == 1",message="want exactly one of semver, alphabetical, numerical, digest"
type TagPolicy struct {
	// Semver picks the highest version in a range.
	// +optional
	Semver *SemverPolicy `json:"semver,omitempty"`
	// Alphabetical picks the last tag in string order (asc), or the first
	// (desc).
	// +optional
	Alphabetical *OrderPolicy `json:"alphabetical,omitempty"`
	// Numerical reads the tag (or what filterTags.extract takes of it) as
	// a number and picks the highest (asc) or lowest (desc); tags that are
	// not numbers are skipped.
	// +optional
	Numerical *OrderPolicy `json:"numerical,omitempty"`
	// Digest follows a moving tag by its digest.
	// +optional
	Digest *DigestPolicy `json:"digest,omitempty"`
}

// SemverPolicy picks the highest version that satisfies Range. Tags are
// read leniently: a "v" prefix and a missing minor or patch are allowed.
type SemverPolicy struct {
	// Range is a Masterminds semver range: "^1.2", "~1.2", ">=1.0 <2.0",
	// "1.x || 2.x", "1.2 - 1.4". The API server checks it with a pattern
	// of the range grammar (TestRangePattern: whatever it admits parses);
	// the controller marks a range it cannot use Stalled all the same.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^ *((=|!=|>=?|=>|<=?|=<|~>?|\^)? *v?([0-9]+|[xX*])(\.([0-9]+|[xX*])){0,2}(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?|v?([0-9]+|[xX*])(\.([0-9]+|[xX*])){0,2}(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)? +- +v?([0-9]+|[xX*])(\.([0-9]+|[xX*])){0,2}(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)(( *, *| +)((=|!=|>=?|=>|<=?|=<|~>?|\^)? *v?([0-9]+|[xX*])(\.([0-9]+|[xX*])){0,2}(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?|v?([0-9]+|[xX*])(\.([0-9]+|[xX*])){0,2}(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)? +- +v?([0-9]+|[xX*])(\.([0-9]+|[xX*])){0,2}(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?))*( *\|\| *((=|!=|>=?|=>|<=?|=<|~>?|\^)? *v?([0-9]+|[xX*])(\.([0-9]+|[xX*])){0,2}(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?|v?([0-9]+|[xX*])(\.([0-9]+|[xX*])){0,2}(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)? +- +v?([0-9]+|[xX*])(\.([0-9]+|[xX*])){0,2}(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)(( *, *| +)((=|!=|>=?|=>|<=?|=<|~>?|\^)? *v?([0-9]+|[xX*])(\.([0-9]+|[xX*])){0,2}(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?|v?([0-9]+|[xX*])(\.([0-9]+|[xX*])){0,2}(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)? +- +v?([0-9]+|[xX*])(\.([0-9]+|[xX*])){0,2}(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?))*)* *$`
	Range string `json:"range"`
	// Prereleases lets pre-release versions (1.2.0-rc.1) be picked; they
	// are excluded otherwise, even when Range names one.
	// +optional
	Prereleases bool `json:"prereleases,omitempty"`
}

// Orders of an OrderPolicy.
const (
	OrderAsc  = "asc"
	OrderDesc = "desc"
)

// OrderPolicy says which end of the order is latest.
type OrderPolicy struct {
	// Order asc (the default) makes the greatest value latest; desc the
	// smallest.
	// +optional
	// +kubebuilder:validation:Enum=asc;desc
	// +kubebuilder:default=asc
	Order string `json:"order,omitempty"`
}

// DigestPolicy follows a moving tag ("stable", "latest"): each time the
// tag points to a new digest, that digest is deployed.
type DigestPolicy struct {
	// Tag is the tag to follow.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`
	Tag string `json:"tag"`
}

// TagFilter keeps the tags that Pattern matches, and sorts on Extract.
//
// +kubebuilder:validation:XValidation:rule="!has(self.extract) || size(self.extract) == 0 || (has(self.pattern) && size(self.pattern) > 0)",message="extract requires pattern"
type TagFilter struct {
	// Pattern is a Go (RE2) regular expression a tag must match, e.g.
	// `^main-[a-f0-9]+-(?P<ts>[0-9]+)$`.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule="''.matches(self) || !''.matches(self)",message="not a valid regular expression"
	Pattern string `json:"pattern,omitempty"`
	// Extract is what the policy sorts on instead of the whole tag: a
	// template of Pattern's captures, as Go's regexp.Expand reads it
	// ("$ts" or "${ts}" for the capture (?P<ts>...), "$1" for the first).
	// Every capture it names must exist in Pattern.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Extract string `json:"extract,omitempty"`
}

// ImagePolicyStatus is the last scan's result. LatestImage is the
// reference to deploy: "IMAGE:TAG", or "IMAGE:TAG@DIGEST" under a digest
// policy, so that the files keep saying which tag they follow while the
// digest pins what runs.
type ImagePolicyStatus struct {
	// ObservedGeneration is the generation the conditions describe.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions are Ready, Reconciling and Stalled (a spec that cannot
	// work until it changes, such as an invalid semver range).
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// LatestImage is the image the policy picked, as a full reference.
	// +optional
	LatestImage string `json:"latestImage,omitempty"`
	// LatestTag is the tag the policy picked.
	// +optional
	LatestTag string `json:"latestTag,omitempty"`
	// LatestDigest is the picked tag's digest ("sha256:..."): always set
	// under a digest policy, otherwise when the scan read it.
	// +optional
	LatestDigest string `json:"latestDigest,omitempty"`
	// LastScanTime is when the registry was last read successfully.
	// +optional
	LastScanTime *metav1.Time `json:"lastScanTime,omitempty"`
	// ObservedTags is how many tags the last scan read.
	// +optional
	ObservedTags int `json:"observedTags,omitempty"`
}

// ImagePolicyList is a list of ImagePolicies.
//
// +kubebuilder:object:root=true
type ImagePolicyList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ImagePolicy `json:"items"`
}

// NamedImagePolicy is an entry of tugboat.yaml's imagePolicies: what an
// ImagePolicy's name and spec are in a cluster.
type NamedImagePolicy struct {
	// Name is what markers and imageUpdate.fields name the policy by; a
	// DNS label, unique in the file.
	Name            string `json:"name"`
	ImagePolicySpec `json:",inline"`
}
