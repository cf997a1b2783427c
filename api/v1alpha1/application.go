package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition types of an Application, the ones kstatus reads: Ready when
// the last apply succeeded (and, with wait, became healthy); Reconciling
// while a change is being applied; Stalled when retrying cannot help
// until the spec or the source changes.
const (
	ReadyCondition       = "Ready"
	ReconcilingCondition = "Reconciling"
	StalledCondition     = "Stalled"
	// SyncedCondition is False while the live objects differ from the
	// applied revision and self-heal is off.
	SyncedCondition = "Synced"
)

// RequestedAtAnnotation, set to a new value, asks the controller to sync
// an Application now (`tug sync`); status.lastHandledRequestedAt echoes
// the value once a sync has handled it.
const RequestedAtAnnotation = "tugboat.dev/requested-at"

// PruneFinalizer makes deleting an Application that prunes delete what it
// owns first. tug install's admission policy adds it to a new
// Application; the controller adds it where no policy did.
const PruneFinalizer = "tugboat.dev/prune"

// Application is an app that the controller keeps in sync: the same spec
// as an entry of tugboat.yaml, as a resource.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:categories=tugboat
// +kubebuilder:validation:XValidation:rule="has(self.spec.name) || self.metadata.name.matches('^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$')",message="metadata.name: want a DNS label (it names the app) unless spec.name is given"
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Revision",type=string,JSONPath=`.status.lastAppliedRevision`
// +kubebuilder:printcolumn:name="Health",type=string,JSONPath=`.status.health`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Application struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ApplicationSpec `json:"spec"`
	// +optional
	Status ApplicationStatus `json:"status,omitempty"`
}

// ApplicationSpec is an app as tugboat.yaml declares it, plus how the
// controller keeps it in sync.
type ApplicationSpec struct {
	AppSpec `json:",inline"`
	// Interval is how often the source is checked for a new revision
	// (default 5m); a webhook or a spec change triggers a check at once.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	Interval *metav1.Duration `json:"interval,omitempty"`
	// Suspend stops the controller from fetching and applying the app;
	// what is live stays as it is.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
	// SelfHeal puts back, within seconds, what is changed or deleted out
	// of band (default true). When false, only a new revision or spec is
	// applied, and drift is reported as the Synced condition, False.
	// +optional
	SelfHeal *bool `json:"selfHeal,omitempty"`
	// SecretRef names a Secret in the Application's namespace that holds
	// the source's credentials, under Flux's keys: username and password
	// or token, or identity (an SSH private key) and known_hosts.
	// +optional
	SecretRef *LocalSecretReference `json:"secretRef,omitempty"`
	// Retry says how soon a failure that a retry may cure (git
	// unreachable, an API server that went away) is tried again: after
	// initialInterval, then twice as long each time, up to maxInterval and
	// never beyond interval. A failure that only a change can cure waits
	// for the interval.
	// +optional
	Retry *RetrySpec `json:"retry,omitempty"`
}

// RetrySpec is an exponential backoff.
type RetrySpec struct {
	// InitialInterval is the wait after the first failure (default 5s).
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	InitialInterval *metav1.Duration `json:"initialInterval,omitempty"`
	// MaxInterval caps the wait (default 5m).
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	MaxInterval *metav1.Duration `json:"maxInterval,omitempty"`
}

// Health values of an Application: the worst of its objects' kstatus
// statuses, worst last.
const (
	// HealthHealthy: every object is Current.
	HealthHealthy = "Healthy"
	// HealthUnknown: an object's status could not be read.
	HealthUnknown = "Unknown"
	// HealthProgressing: an object is InProgress or Terminating.
	HealthProgressing = "Progressing"
	// HealthDegraded: an object Failed or is missing.
	HealthDegraded = "Degraded"
)

// LocalSecretReference names a Secret in the referrer's namespace.
type LocalSecretReference struct {
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
}

// ApplicationStatus is what the controller last saw and did.
type ApplicationStatus struct {
	// ObservedGeneration is the generation the conditions describe.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions are Ready, Reconciling and Stalled.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// LastAppliedRevision is the source revision of the last successful
	// apply.
	// +optional
	LastAppliedRevision string `json:"lastAppliedRevision,omitempty"`
	// LastAttemptedRevision is the source revision of the last apply,
	// successful or not.
	// +optional
	LastAttemptedRevision string `json:"lastAttemptedRevision,omitempty"`
	// Inventory summarises what the app owns. The record itself lives in
	// the destination cluster, where push and pull both read it.
	// +optional
	Inventory *InventorySummary `json:"inventory,omitempty"`
	// History holds the last syncs that changed something or failed,
	// newest first; a check that finds nothing new adds none.
	// +optional
	// +kubebuilder:validation:MaxItems=10
	History []SyncRecord `json:"history,omitempty"`
	// Health is the worst health of the app's objects: Healthy,
	// Progressing, Degraded or Unknown. It is read after a sync that
	// changed something, and again while it is not Healthy.
	// +optional
	// +kubebuilder:validation:Enum=Healthy;Progressing;Degraded;Unknown
	Health string `json:"health,omitempty"`
	// LastHandledRequestedAt is the value of the tugboat.dev/requested-at
	// annotation that the last sync handled, so that `tug sync --wait`
	// knows when its request is done.
	// +optional
	LastHandledRequestedAt string `json:"lastHandledRequestedAt,omitempty"`
}

// MaxHistory is how many syncs an Application's status keeps.
const MaxHistory = 10

// SyncRecord is one sync that changed something or failed.
type SyncRecord struct {
	// Revision is the source revision synced (or attempted).
	// +optional
	Revision string `json:"revision,omitempty"`
	// Time is when the sync ended.
	Time metav1.Time `json:"time"`
	// Result is Applied or the failure's reason.
	Result string `json:"result"`
	// Changes counts what the sync did ("1 to create, 2 to update, ...").
	// +optional
	Changes string `json:"changes,omitempty"`
	// Message says why a sync failed.
	// +optional
	Message string `json:"message,omitempty"`
}

// InventorySummary counts what an app owns.
type InventorySummary struct {
	// Objects is the number of objects the app owns.
	Objects int32 `json:"objects"`
	// Pending is true while an apply is between its two inventory records:
	// the count may include objects that were about to be applied.
	// +optional
	Pending bool `json:"pending,omitempty"`
	// Kinds counts the objects by kind ("Deployment.apps": 3).
	// +optional
	Kinds map[string]int32 `json:"kinds,omitempty"`
}

// ApplicationList is a list of Applications.
//
// +kubebuilder:object:root=true
type ApplicationList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Application `json:"items"`
}

// App returns a copy of the spec with its name defaulted to the
// Application's: the app name the pipeline labels and records objects by.
func (a *Application) App() AppSpec {
	spec := *a.Spec.AppSpec.DeepCopy()
	if spec.Name == "" {
		spec.Name = a.Name
	}
	return spec
}
