package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
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

// getAppsOptions are the flags of tug get apps.
type getAppsOptions struct {
	namespace string
	all       bool
	watch     bool
}

func newGetAppsCommand(g *GlobalOptions) *cobra.Command {
	o := &getAppsOptions{}
	cmd := &cobra.Command{
		Use:     "apps [NAME]",
		Aliases: []string{"app", "applications"},
		Short:   "List Applications: ready, revision, health",
		Long: `List the Applications of a namespace (-n, default the context's) or of all
namespaces (-A), as kubectl lists them: NAME, READY, REVISION, HEALTH, AGE.
-o wide adds the Ready condition's message, the source, the time of the
last sync and the number of objects each app owns. -w prints the list, then
a row for each change until interrupted.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), g, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.namespace, "namespace", "n", "", "namespace (default: the context's)")
	f.BoolVarP(&o.all, "all-namespaces", "A", false, "every namespace")
	f.BoolVarP(&o.watch, "watch", "w", false, "after the list, print a row for each change, until interrupted")
	// This -o shadows the global one: it adds wide, which the commands
	// without a wide table should refuse rather than ignore.
	output := newEnumFlag(&g.Output, OutputText, OutputWide, OutputJSON, OutputYAML)
	f.VarP(output, "output", "o", "output format: "+output.choices())
	completeWith(cmd, "output", output.names())
	return cmd
}

func (o *getAppsOptions) run(ctx context.Context, g *GlobalOptions, args []string) error {
	c, err := cluster.Connect(g.Kubeconfig, g.Context)
	if err != nil {
		return err
	}
	ns := o.namespace
	if o.all {
		ns = ""
	} else if ns == "" {
		ns = c.DefaultNamespace()
	}
	res := c.Dynamic.Resource(applicationsResource).Namespace(ns)
	var opts metav1.ListOptions
	if len(args) == 1 {
		// The server filters, so that a watch of one app is not sent the
		// changes of every other.
		opts.FieldSelector = fields.OneTermEqualSelector("metadata.name", args[0]).String()
	}
	list, err := res.List(ctx, opts)
	if err != nil {
		return fmt.Errorf("list Applications: %w", err)
	}
	out := &appsOutput{table: appsTable{allNamespaces: o.all}}
	for i := range list.Items {
		app, health, err := decodeApp(&list.Items[i])
		if err != nil {
			return err
		}
		out.Items = append(out.Items, *app)
		out.health = append(out.health, health)
	}
	if !o.watch {
		return g.Print(out)
	}
	return watchApps(ctx, g, res, opts.FieldSelector, list.GetResourceVersion(), out)
}

// decodeApp returns the Application u holds and its status.health.
// Health is read from the object as served rather than from the typed
// status, so that it shows even when this tug's API types are older than
// the cluster's CRD.
func decodeApp(u *unstructured.Unstructured) (*v1alpha1.Application, string, error) {
	var app v1alpha1.Application
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &app); err != nil {
		return nil, "", fmt.Errorf("Application %s/%s: %w", u.GetNamespace(), u.GetName(), err)
	}
	health, _, _ := unstructured.NestedString(u.Object, "status", "health")
	return &app, health, nil
}

// appsOutput is the result of tug get apps: the Applications as listed
// (-o json|yaml) and the table they print as.
type appsOutput struct {
	Items []v1alpha1.Application `json:"items"`
	// health is each item's status.health (see decodeApp).
	health []string
	table  appsTable
}

// WriteText prints the table kubectl prints for the CRD.
func (o *appsOutput) WriteText(w io.Writer) error { return o.write(w, false) }

// WriteWide prints the table with the columns of -o wide.
func (o *appsOutput) WriteWide(w io.Writer) error { return o.write(w, true) }

func (o *appsOutput) write(w io.Writer, wide bool) error {
	o.table.wide = wide
	now := time.Now()
	rows := [][]string{o.table.header()}
	for i := range o.Items {
		rows = append(rows, o.table.row(&o.Items[i], o.health[i], now))
	}
	return o.table.cols.write(w, rows...)
}

// appsTable turns Applications into rows. Its column widths carry over
// from the list to the rows a watch adds.
type appsTable struct {
	allNamespaces bool
	wide          bool
	cols          table
}

// none stands for a value an Application does not have (yet), so that
// every row has a cell in every column.
const none = "-"

// maxStatus bounds the STATUS column: a render error can run to pages.
const maxStatus = 80

func (t *appsTable) header() []string {
	h := []string{"NAME", "READY", "REVISION", "HEALTH", "AGE"}
	if t.wide {
		h = append(h, "STATUS", "REPO", "PATH", "LAST SYNC", "INVENTORY")
	}
	if t.allNamespaces {
		h = append([]string{"NAMESPACE"}, h...)
	}
	return h
}

// row is app's line of the table, its ages counted up to now.
func (t *appsTable) row(app *v1alpha1.Application, health string, now time.Time) []string {
	ready, message := "Unknown", ""
	if c := meta.FindStatusCondition(app.Status.Conditions, v1alpha1.ReadyCondition); c != nil {
		ready, message = string(c.Status), c.Message
	}
	r := []string{app.Name, ready, orNone(app.Status.LastAppliedRevision), orNone(health), age(app.CreationTimestamp, now)}
	if t.wide {
		lastSync := none
		if len(app.Status.History) > 0 {
			lastSync = age(app.Status.History[0].Time, now)
		}
		inventory := none
		if inv := app.Status.Inventory; inv != nil {
			inventory = strconv.Itoa(int(inv.Objects))
		}
		repo, path := appSource(&app.Spec.AppSpec)
		r = append(r, statusCell(app, message), orNone(repo), orNone(path), lastSync, inventory)
	}
	if t.allNamespaces {
		r = append([]string{app.Namespace}, r...)
	}
	return r
}

// statusCell is the Ready condition's message on one line, cut to fit,
// and says so when the controller is told to leave the app alone.
func statusCell(app *v1alpha1.Application, message string) string {
	s := oneLine(message)
	if app.Spec.Suspend {
		s = strings.TrimSuffix("Suspended: "+s, ": ")
	}
	return orNone(truncate(s, maxStatus))
}

// appSource is where an app's manifests come from: its git repository and
// path, or for an app of a chart alone, the chart's repository and name.
func appSource(spec *v1alpha1.AppSpec) (repo, path string) {
	repo, path = spec.Repo, spec.Path
	if c := spec.Chart; c != nil {
		if repo == "" {
			repo = c.Repo
		}
		if path == "" {
			path = c.Name
		}
	}
	return repo, path
}

// age is how long before now t was, as kubectl prints ages.
func age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return none
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

func orNone(s string) string {
	if s == "" {
		return none
	}
	return s
}
