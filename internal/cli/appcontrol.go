package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
)

// AnnotationRequestedAt, set to a new value, asks the controller to check
// an Application now (tug sync).
const AnnotationRequestedAt = "tugboat.dev/requested-at"

// appControl is an Application named on the command line, in -n or the
// context's namespace.
type appControl struct {
	namespace string
}

func (a *appControl) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&a.namespace, "namespace", "n", "", "the Application's namespace (default: the context's)")
}

// get reads the Application name, or with a patch merge-patches it
// first, and returns it as it then is.
func (a *appControl) get(g *GlobalOptions, cmd *cobra.Command, name string, patch map[string]any) (*v1alpha1.Application, error) {
	c, err := cluster.Connect(g.Kubeconfig, g.Context)
	if err != nil {
		return nil, err
	}
	ns := a.namespace
	if ns == "" {
		ns = c.DefaultNamespace()
	}
	res := c.Dynamic.Resource(applicationsResource).Namespace(ns)
	var u *unstructured.Unstructured
	if patch == nil {
		u, err = res.Get(cmd.Context(), name, metav1.GetOptions{})
	} else {
		data, merr := json.Marshal(patch)
		if merr != nil {
			return nil, merr
		}
		u, err = res.Patch(cmd.Context(), name, types.MergePatchType, data, metav1.PatchOptions{FieldManager: "tug"})
	}
	if err != nil {
		return nil, fmt.Errorf("Application %s/%s: %w", ns, name, err)
	}
	var app v1alpha1.Application
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &app); err != nil {
		return nil, err
	}
	return &app, nil
}

func newSyncCommand(g *GlobalOptions) *cobra.Command {
	a := &appControl{}
	cmd := &cobra.Command{
		Use:   "sync APP",
		Short: "Ask the controller to check an Application now",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := a.get(g, cmd, args[0], map[string]any{"metadata": map[string]any{"annotations": map[string]any{
				AnnotationRequestedAt: time.Now().UTC().Format(time.RFC3339Nano)}}})
			if err == nil {
				fmt.Fprintf(g.Streams.Out, "Application %s: sync requested\n", args[0])
			}
			return err
		},
	}
	a.addFlags(cmd)
	return cmd
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

func newHistoryCommand(g *GlobalOptions) *cobra.Command {
	a := &appControl{}
	cmd := &cobra.Command{
		Use:   "history APP",
		Short: "Show an Application's last syncs that changed something or failed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			app, err := a.get(g, cmd, args[0], nil)
			if err != nil {
				return err
			}
			return g.Print(&historyOutput{History: app.Status.History})
		},
	}
	a.addFlags(cmd)
	return cmd
}

type historyOutput struct {
	History []v1alpha1.SyncRecord `json:"history"`
}

func (h *historyOutput) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tREVISION\tRESULT\tCHANGES\tMESSAGE")
	for _, r := range h.History {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Time.UTC().Format(time.RFC3339), r.Revision, r.Result, r.Changes, truncate(strings.TrimSpace(oneLine(r.Message)), 80))
	}
	return tw.Flush()
}
