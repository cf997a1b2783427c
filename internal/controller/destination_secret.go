package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
)

// fromSecret connects to the cluster whose kubeconfig is in the Secret
// ref names: in the Application's namespace unless ref says otherwise,
// which the controller allows only when told to (a Secret of another
// namespace would let anyone who may create an Application there deploy
// with another team's credentials). The Secret is read from the
// manager's cache and its kubeconfig parsed only when its
// resourceVersion moved, so a routine check costs no request for it.
func (ds *destinations) fromSecret(ctx context.Context, app *v1alpha1.Application, ref v1alpha1.SecretKeyRef) (*destination, error) {
	nn := types.NamespacedName{Namespace: ref.Namespace, Name: ref.Name}
	if nn.Namespace == "" {
		nn.Namespace = app.Namespace
	}
	key := ref.Key
	if key == "" {
		key = v1alpha1.DefaultKubeconfigKey
	}
	where := fmt.Sprintf("destination.cluster.secretRef: Secret %s key %q", nn, key)
	if nn.Namespace != app.Namespace && !ds.crossNamespace {
		return nil, stalled("CrossNamespaceRef", fmt.Errorf("%s: the Secret is not in the Application's namespace, which the controller allows only with --allow-cross-namespace-refs", where))
	}
	reader := ds.secrets
	if ds.cacheNamespace != "" && nn.Namespace != ds.cacheNamespace {
		reader = ds.direct
	}
	var s corev1.Secret
	if err := reader.Get(ctx, nn, &s); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, stalled("SecretNotFound", fmt.Errorf("%s: Secret not found", where))
		}
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	id := "secret:" + nn.String()
	if d := ds.cached(id, s.ResourceVersion); d != nil {
		return d, nil
	}
	data, ok := s.Data[key]
	if !ok {
		return nil, stalled("InvalidKubeconfig", fmt.Errorf("%s: the Secret has no such key", where))
	}
	c, err := cluster.FromKubeconfig("secret/"+nn.String(), data)
	if err != nil {
		return nil, stalled("InvalidKubeconfig", fmt.Errorf("%s: %w", where, err))
	}
	return ds.add(id, s.ResourceVersion, c)
}
