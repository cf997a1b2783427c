package cli

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
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
// the controller syncs: the same conversion (pipeline.FromApplication),
// the credentials of the Secret its spec.secretRef names, and its
// destination (see applicationCluster).
func applicationTarget(ctx context.Context, g *GlobalOptions, namespace, name string) (target, error) {
	c, app, pa, err := readApplication(ctx, g, namespace, name)
	if err != nil {
		return target{}, err
	}
	dest, err := applicationCluster(ctx, g, c, app)
	if err != nil {
		return target{}, fmt.Errorf("Application %s/%s: %w", app.Namespace, name, err)
	}
	// The sync options are the spec's; only flags given on the command
	// line override them, as for an app of the apps file.
	return target{app: pa, cluster: dest, fromFile: true}, nil
}

// readApplication reads the Application name from the cluster of the
// current context and converts it as the controller does, with the
// credentials of its spec.secretRef. It returns the cluster holding it
// too.
func readApplication(ctx context.Context, g *GlobalOptions, namespace, name string) (*cluster.Cluster, *v1alpha1.Application, pipeline.App, error) {
	c, err := cluster.Connect(g.Kubeconfig, g.Context)
	if err != nil {
		return nil, nil, pipeline.App{}, err
	}
	if namespace == "" {
		namespace = c.DefaultNamespace()
	}
	u, err := c.Dynamic.Resource(applicationsResource).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, nil, pipeline.App{}, fmt.Errorf("Application %s/%s: %w", namespace, name, err)
	}
	app, _, err := decodeApp(u)
	if err != nil {
		return nil, nil, pipeline.App{}, err
	}
	pa, err := pipeline.FromApplication(app)
	if err != nil {
		return nil, nil, pipeline.App{}, fmt.Errorf("Application %s/%s: %w", namespace, name, err)
	}
	if ref := app.Spec.SecretRef; ref != nil {
		data, err := secretData(ctx, c, namespace, ref.Name)
		if err != nil {
			return nil, nil, pipeline.App{}, fmt.Errorf("Application %s/%s: secretRef: %w", namespace, name, err)
		}
		pa.Source.Credentials = source.CredentialsFromData(data)
	}
	return c, app, pa, nil
}

// applicationCluster is where app deploys to: the cluster c that holds
// it, a cluster named by a Secret's kubeconfig (vetted as the controller
// vets it), or a context, here of the user's kubeconfig.
func applicationCluster(ctx context.Context, g *GlobalOptions, c *cluster.Cluster, app *v1alpha1.Application) (*cluster.Cluster, error) {
	d := app.Spec.Destination
	switch {
	case d.Context != "":
		return cluster.Connect(g.Kubeconfig, d.Context)
	case d.Cluster == nil:
		return c, nil
	}
	ref := d.Cluster.SecretRef
	ns, key := ref.Namespace, ref.Key
	if ns == "" {
		ns = app.Namespace
	}
	if key == "" {
		key = v1alpha1.DefaultKubeconfigKey
	}
	data, err := secretData(ctx, c, ns, ref.Name)
	if err != nil {
		return nil, fmt.Errorf("destination.cluster.secretRef: %w", err)
	}
	kubeconfig, ok := data[key]
	if !ok {
		return nil, fmt.Errorf("destination.cluster.secretRef: Secret %s/%s has no key %q", ns, ref.Name, key)
	}
	dest, err := cluster.FromKubeconfig("secret/"+ns+"/"+ref.Name, kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("destination.cluster.secretRef: Secret %s/%s key %q: %w", ns, ref.Name, key, err)
	}
	return dest, nil
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
