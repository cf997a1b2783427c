package v1alpha1

// Destination is where the app is deployed: a kubeconfig context (push
// mode, from the machine running tug) or a cluster named by a Secret (pull
// mode, resolved by the controller); neither means the current context, or
// the controller's own cluster.
//
// +kubebuilder:validation:XValidation:rule="!(has(self.context) && size(self.context) > 0 && has(self.cluster))",message="context and cluster are mutually exclusive"
type Destination struct {
	// Context is the kubeconfig context; empty means the current one.
	// +optional
	Context string `json:"context,omitempty"`
	// Cluster names the cluster by a Secret holding its kubeconfig.
	// +optional
	Cluster *ClusterRef `json:"cluster,omitempty"`
	// Namespace is set on namespaced objects that have none, and is the
	// Helm release namespace.
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// ClusterRef names a cluster. A Secret is the one way for now; the
// reference is a struct so that others (a workload identity, say) can join
// it later as alternatives.
type ClusterRef struct {
	// SecretRef is the Secret holding the cluster's kubeconfig.
	SecretRef SecretKeyRef `json:"secretRef"`
}

// SecretKeyRef names one key of a Secret.
type SecretKeyRef struct {
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// Namespace of the Secret; empty means the Application's own.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace,omitempty"`
	// Key holding the kubeconfig; empty means "value".
	// +optional
	Key string `json:"key,omitempty"`
}

// DefaultKubeconfigKey is the Secret key read when a SecretKeyRef names
// none: "value", as in the kubeconfig Secrets Cluster API writes, so that
// a cluster it made can be named as it is.
const DefaultKubeconfigKey = "value"
