package object

import "k8s.io/apimachinery/pkg/runtime/schema"

// clusterScoped lists the built-in kinds that have no namespace. Custom
// kinds are judged by their CRD (in the same set) or by the cluster.
var clusterScoped = map[schema.GroupKind]bool{
	{Kind: "Namespace"}: true, {Kind: "Node"}: true, {Kind: "PersistentVolume"}: true,
	{Kind: "ComponentStatus"}:                                                         true,
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}:                         true,
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"}:                  true,
	{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}:                 true,
	{Group: "apiregistration.k8s.io", Kind: "APIService"}:                             true,
	{Group: "storage.k8s.io", Kind: "StorageClass"}:                                   true,
	{Group: "storage.k8s.io", Kind: "CSIDriver"}:                                      true,
	{Group: "storage.k8s.io", Kind: "CSINode"}:                                        true,
	{Group: "storage.k8s.io", Kind: "VolumeAttachment"}:                               true,
	{Group: "storage.k8s.io", Kind: "VolumeAttributesClass"}:                          true,
	{Group: "scheduling.k8s.io", Kind: "PriorityClass"}:                               true,
	{Group: "node.k8s.io", Kind: "RuntimeClass"}:                                      true,
	{Group: "networking.k8s.io", Kind: "IngressClass"}:                                true,
	{Group: "networking.k8s.io", Kind: "IPAddress"}:                                   true,
	{Group: "networking.k8s.io", Kind: "ServiceCIDR"}:                                 true,
	{Group: "certificates.k8s.io", Kind: "CertificateSigningRequest"}:                 true,
	{Group: "certificates.k8s.io", Kind: "ClusterTrustBundle"}:                        true,
	{Group: "flowcontrol.apiserver.k8s.io", Kind: "FlowSchema"}:                       true,
	{Group: "flowcontrol.apiserver.k8s.io", Kind: "PriorityLevelConfiguration"}:       true,
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingWebhookConfiguration"}:   true,
	{Group: "admissionregistration.k8s.io", Kind: "MutatingWebhookConfiguration"}:     true,
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingAdmissionPolicy"}:        true,
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingAdmissionPolicyBinding"}: true,
	{Group: "admissionregistration.k8s.io", Kind: "MutatingAdmissionPolicy"}:          true,
	{Group: "admissionregistration.k8s.io", Kind: "MutatingAdmissionPolicyBinding"}:   true,
	{Group: "resource.k8s.io", Kind: "DeviceClass"}:                                   true,
	{Group: "resource.k8s.io", Kind: "ResourceSlice"}:                                 true,
}

// ScopeFunc tells whether a kind is namespaced; known is false when it
// cannot tell (a custom kind whose CRD it has not seen).
type ScopeFunc func(gk schema.GroupKind) (namespaced, known bool)

// BuiltinScope knows the built-in kinds of Kubernetes: every kind not in
// its cluster-scoped list that belongs to a built-in group is namespaced.
func BuiltinScope(gk schema.GroupKind) (namespaced, known bool) {
	if clusterScoped[gk] {
		return false, true
	}
	return true, builtinGroups[gk.Group]
}

var builtinGroups = map[string]bool{
	"": true, "apps": true, "batch": true, "autoscaling": true, "policy": true,
	"networking.k8s.io": true, "rbac.authorization.k8s.io": true, "storage.k8s.io": true,
	"coordination.k8s.io": true, "discovery.k8s.io": true, "events.k8s.io": true,
	"scheduling.k8s.io": true, "node.k8s.io": true, "certificates.k8s.io": true,
	"apiextensions.k8s.io": true, "apiregistration.k8s.io": true,
	"admissionregistration.k8s.io": true, "flowcontrol.apiserver.k8s.io": true,
	"resource.k8s.io": true,
}

// SetScope derives the scope of custom kinds from the CRDs in objs and
// falls back to fallback (the cluster's discovery, or BuiltinScope).
func SetScope(objs []*Object, fallback ScopeFunc) ScopeFunc {
	crds := map[schema.GroupKind]bool{}
	for _, o := range objs {
		id := o.ID()
		if id.Group != "apiextensions.k8s.io" || id.Kind != "CustomResourceDefinition" {
			continue
		}
		group, _, _ := unstructuredString(o, "spec", "group")
		kind, _, _ := unstructuredString(o, "spec", "names", "kind")
		scope, _, _ := unstructuredString(o, "spec", "scope")
		crds[schema.GroupKind{Group: group, Kind: kind}] = scope != "Cluster"
	}
	return func(gk schema.GroupKind) (bool, bool) {
		if namespaced, ok := crds[gk]; ok {
			return namespaced, true
		}
		if namespaced, known := BuiltinScope(gk); known {
			return namespaced, true
		}
		if fallback != nil {
			return fallback(gk)
		}
		return true, false
	}
}
