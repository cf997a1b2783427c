package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
)

var applicationsResource = schema.GroupVersionResource{Group: "tugboat.dev", Version: "v1alpha1", Resource: "applications"}

func newGetCommand(g *GlobalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "get", Short: "List Tugboat's resources in a cluster"}
	cmd.AddCommand(newGetAppsCommand(g))
	return cmd
}

func newGetAppsCommand(g *GlobalOptions) *cobra.Command {
	var namespace string
	var all bool
	cmd := &cobra.Command{
		Use:     "apps [NAME]",
		Aliases: []string{"app", "applications"},
		Short:   "List Applications: ready, revision, status",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cluster.Connect(g.Kubeconfig, g.Context)
			if err != nil {
				return err
			}
			if namespace == "" && !all {
				namespace = c.DefaultNamespace()
			}
			if all {
				namespace = ""
			}
			list, err := c.Dynamic.Resource(applicationsResource).Namespace(namespace).List(cmd.Context(), metav1.ListOptions{})
			if err != nil {
				return fmt.Errorf("list Applications: %w", err)
			}
			out := &appsOutput{allNamespaces: all}
			for _, item := range list.Items {
				var app v1alpha1.Application
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(item.Object, &app); err != nil {
					return fmt.Errorf("Application %s/%s: %w", item.GetNamespace(), item.GetName(), err)
				}
				if len(args) == 0 || app.Name == args[0] {
					out.Items = append(out.Items, app)
				}
			}
			return g.Print(out)
		},
	}
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "", "namespace (default: the context's)")
	cmd.Flags().BoolVarP(&all, "all-namespaces", "A", false, "every namespace")
	return cmd
}

type appsOutput struct {
	Items         []v1alpha1.Application `json:"items"`
	allNamespaces bool
}

// WriteText prints a kubectl-style table.
func (o *appsOutput) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	header := "NAME\tREADY\tREVISION\tSTATUS\tAGE"
	if o.allNamespaces {
		header = "NAMESPACE\t" + header
	}
	fmt.Fprintln(tw, header)
	for _, a := range o.Items {
		ready, status := "Unknown", ""
		if c := meta.FindStatusCondition(a.Status.Conditions, v1alpha1.ReadyCondition); c != nil {
			ready, status = string(c.Status), c.Reason
			if c.Status != metav1.ConditionTrue {
				status = c.Reason + ": " + oneLine(c.Message)
			}
		}
		if a.Spec.Suspend {
			status = "Suspended"
		}
		row := fmt.Sprintf("%s\t%s\t%s\t%s\t%s", a.Name, ready, a.Status.LastAppliedRevision, truncate(strings.TrimSpace(status), 80),
			duration.HumanDuration(time.Since(a.CreationTimestamp.Time)))
		if o.allNamespaces {
			row = a.Namespace + "\t" + row
		}
		fmt.Fprintln(tw, row)
	}
	return tw.Flush()
}
