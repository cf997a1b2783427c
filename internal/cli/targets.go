package cli

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
	"github.com/tugboat-gitops/tugboat/internal/source"
)

// runEach runs fn for every target, keeping on after a failure so that
// one broken app does not hide the others, and returns the results and
// every error.
func runEach(g *GlobalOptions, targets []target, fn func(p *pipeline.Pipeline, t target) (*pipeline.Result, error)) ([]*pipeline.Result, error) {
	p := g.pipeline()
	var results []*pipeline.Result
	var errs []error
	for _, t := range targets {
		res, err := fn(p, t)
		if res != nil {
			results = append(results, res)
		}
		errs = append(errs, err)
	}
	return results, errors.Join(errs...)
}

// applicationTarget is the Application name in the cluster of the
// current context, in namespace (empty: the context's), as the target
// the controller syncs: the same conversion (pipeline.FromApplication)
// and the credentials of the Secret its spec.secretRef names. The
// controller supports only its own cluster as the destination, so the
// Application's cluster is the one planned against.
func applicationTarget(ctx context.Context, g *GlobalOptions, namespace, name string) (target, error) {
	c, err := cluster.Connect(g.Kubeconfig, g.Context)
	if err != nil {
		return target{}, err
	}
	if namespace == "" {
		namespace = c.DefaultNamespace()
	}
	u, err := c.Dynamic.Resource(applicationsResource).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return target{}, fmt.Errorf("Application %s/%s: %w", namespace, name, err)
	}
	app, _, err := decodeApp(u)
	if err != nil {
		return target{}, err
	}
	pa, err := pipeline.FromApplication(app)
	if err != nil {
		return target{}, fmt.Errorf("Application %s/%s: %w", namespace, name, err)
	}
	if ref := app.Spec.SecretRef; ref != nil {
		data, err := secretData(ctx, c, namespace, ref.Name)
		if err != nil {
			return target{}, fmt.Errorf("Application %s/%s: secretRef: %w", namespace, name, err)
		}
		pa.Source.Credentials = source.CredentialsFromData(data)
	}
	// The sync options are the spec's; only flags given on the command
	// line override them, as for an app of the apps file.
	return target{app: pa, cluster: c, fromFile: true}, nil
}

var secretsResource = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}

// secretData reads a Secret's data, decoded.
func secretData(ctx context.Context, c *cluster.Cluster, namespace, name string) (map[string][]byte, error) {
	u, err := c.Dynamic.Resource(secretsResource).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("Secret %s/%s: %w", namespace, name, err)
	}
	var s corev1.Secret
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &s); err != nil {
		return nil, fmt.Errorf("Secret %s/%s: %w", namespace, name, err)
	}
	return s.Data, nil
}
