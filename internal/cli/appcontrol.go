package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
)

// AnnotationRequestedAt, set to a new value, asks the controller to check
// an Application now (tug sync).
const AnnotationRequestedAt = v1alpha1.RequestedAtAnnotation

// appControl is an Application named on the command line, in -n or the
// context's namespace.
type appControl struct {
	namespace string
}

func (a *appControl) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&a.namespace, "namespace", "n", "", "the Application's namespace (default: the context's)")
}

// resource connects and returns the Applications of the namespace.
func (a *appControl) resource(g *GlobalOptions) (dynamic.ResourceInterface, string, error) {
	c, err := cluster.Connect(g.Kubeconfig, g.Context)
	if err != nil {
		return nil, "", err
	}
	ns := a.namespace
	if ns == "" {
		ns = c.DefaultNamespace()
	}
	return c.Dynamic.Resource(applicationsResource).Namespace(ns), ns, nil
}

// get reads the Application name, or with a patch merge-patches it
// first, and returns it as it then is.
func (a *appControl) get(g *GlobalOptions, cmd *cobra.Command, name string, patch map[string]any) (*v1alpha1.Application, error) {
	res, ns, err := a.resource(g)
	if err != nil {
		return nil, err
	}
	return getApp(cmd.Context(), res, ns, name, patch)
}

// getApp reads the Application name, or merge-patches it with patch.
func getApp(ctx context.Context, res dynamic.ResourceInterface, ns, name string, patch map[string]any) (*v1alpha1.Application, error) {
	var u *unstructured.Unstructured
	var err error
	if patch == nil {
		u, err = res.Get(ctx, name, metav1.GetOptions{})
	} else {
		data, merr := json.Marshal(patch)
		if merr != nil {
			return nil, merr
		}
		u, err = res.Patch(ctx, name, types.MergePatchType, data, metav1.PatchOptions{FieldManager: "tug"})
	}
	if err != nil {
		return nil, fmt.Errorf("Application %s/%s: %w", ns, name, err)
	}
	return toApplication(u)
}

func toApplication(u *unstructured.Unstructured) (*v1alpha1.Application, error) {
	var app v1alpha1.Application
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &app); err != nil {
		return nil, fmt.Errorf("Application %s/%s: %w", u.GetNamespace(), u.GetName(), err)
	}
	return &app, nil
}

// syncOptions are the flags of tug sync.
type syncOptions struct {
	appControl
	wait    bool
	timeout time.Duration
}

func newSyncCommand(g *GlobalOptions) *cobra.Command {
	o := &syncOptions{}
	cmd := &cobra.Command{
		Use:   "sync APP",
		Short: "Ask the controller to check an Application now",
		Long: `Ask the controller to check an Application now: fetch, render and apply
what changed. With --wait, wait until the controller has handled the request,
print the Ready condition, and exit 0 only if it is True.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(g, cmd, args[0]) },
	}
	o.addFlags(cmd)
	cmd.Flags().BoolVar(&o.wait, "wait", false, "wait until the controller has handled the request; exit non-zero unless the Application is then Ready")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 2*time.Minute, "with --wait, how long to wait")
	return cmd
}

func (o *syncOptions) run(g *GlobalOptions, cmd *cobra.Command, name string) error {
	res, ns, err := o.resource(g)
	if err != nil {
		return err
	}
	requested := time.Now().UTC().Format(time.RFC3339Nano)
	app, err := getApp(cmd.Context(), res, ns, name, map[string]any{"metadata": map[string]any{"annotations": map[string]any{
		AnnotationRequestedAt: requested}}})
	if err != nil {
		return err
	}
	fmt.Fprintf(g.Streams.Out, "Application %s: sync requested\n", name)
	if !o.wait {
		return nil
	}
	if app.Spec.Suspend {
		return fmt.Errorf("Application %s/%s is suspended: the controller will not sync it until `tug resume %s`", app.Namespace, name, name)
	}
	if app, err = waitHandled(cmd.Context(), res, app, requested, o.timeout); err != nil {
		return err
	}
	msg, err := syncOutcome(app)
	if err != nil {
		return err
	}
	fmt.Fprintln(g.Streams.Out, msg)
	return nil
}

// waitHandled watches app until its status says the controller handled
// the request made at requested, and returns it as it then is.
func waitHandled(ctx context.Context, res dynamic.ResourceInterface, app *v1alpha1.Application, requested string, timeout time.Duration) (*v1alpha1.Application, error) {
	if app.Status.LastHandledRequestedAt == requested {
		return app, nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	selector := fields.OneTermEqualSelector("metadata.name", app.Name).String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			opts.FieldSelector = selector
			return res.List(ctx, opts)
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			opts.FieldSelector = selector
			return res.Watch(ctx, opts)
		},
	}
	var handled *v1alpha1.Application
	_, err := watchtools.UntilWithSync(ctx, lw, &unstructured.Unstructured{}, nil, func(e watch.Event) (bool, error) {
		u, ok := e.Object.(*unstructured.Unstructured)
		if !ok {
			return false, nil
		}
		if e.Type == watch.Deleted {
			return false, fmt.Errorf("Application %s/%s was deleted while waiting for its sync", app.Namespace, app.Name)
		}
		a, err := toApplication(u)
		if err != nil {
			return false, err
		}
		handled = a
		return a.Status.LastHandledRequestedAt == requested, nil
	})
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("Application %s/%s: the controller did not handle the sync request within %s (is it running?)", app.Namespace, app.Name, timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("Application %s/%s: wait for the sync: %w", app.Namespace, app.Name, err)
	}
	return handled, nil
}

// syncOutcome reads the Ready condition of an Application whose request
// the controller handled: a line to print when it is True, the error to
// fail with otherwise.
func syncOutcome(app *v1alpha1.Application) (string, error) {
	c := meta.FindStatusCondition(app.Status.Conditions, v1alpha1.ReadyCondition)
	if c == nil {
		return "", fmt.Errorf("Application %s/%s: synced, but it has no Ready condition", app.Namespace, app.Name)
	}
	line := fmt.Sprintf("Application %s: Ready=%s %s: %s", app.Name, c.Status, c.Reason, c.Message)
	if app.Status.Health != "" {
		line += " (health " + app.Status.Health + ")"
	}
	if c.Status != metav1.ConditionTrue {
		return "", errors.New(line)
	}
	return line, nil
}

func newSuspendCommand(g *GlobalOptions, suspend bool) *cobra.Command {
	a := &appControl{}
	use, short, done := "suspend APP", "Stop the controller from applying an Application", "suspended"
	if !suspend {
		use, short, done = "resume APP", "Let the controller apply a suspended Application again", "resumed"
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := a.get(g, cmd, args[0], map[string]any{"spec": map[string]any{"suspend": suspend}})
			if err == nil {
				fmt.Fprintf(g.Streams.Out, "Application %s: %s\n", args[0], done)
			}
			return err
		},
	}
	a.addFlags(cmd)
	return cmd
}
