package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Group and Version name the API; GroupVersion is the apiVersion of
// tugboat.yaml and of Application and ImagePolicy resources.
const (
	Group        = "tugboat.dev"
	Version      = "v1alpha1"
	GroupVersion = Group + "/" + Version
)

// SchemeGroupVersion is the group and version the types register under.
var SchemeGroupVersion = schema.GroupVersion{Group: Group, Version: Version}

var (
	// SchemeBuilder registers the resource types. It is apimachinery's, not
	// controller-runtime's, so that importing the API pulls in no framework.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)
	// AddToScheme adds the resource types to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(SchemeGroupVersion, &Application{}, &ApplicationList{}, &ImagePolicy{}, &ImagePolicyList{})
	metav1.AddToGroupVersion(s, SchemeGroupVersion)
	return nil
}
