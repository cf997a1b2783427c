package cli

import (
	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/controller"
)

func newControllerCommand(g *GlobalOptions) *cobra.Command {
	var opts controller.Options
	cmd := &cobra.Command{
		Use:   "controller",
		Short: "Keep Application resources in sync, in the cluster or as a local process",
		Long: `Run the pull-mode controller: it watches Application resources
(tugboat.dev/v1alpha1) and applies each one's source with the same engine
as tug apply, checking for a new revision every spec.interval (default
5m). It writes an Application's status only when something changed.

It runs the same in a cluster (in-cluster config) and as a local process
with --kubeconfig/--context. The CRD is deploy/crds.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cluster.Connect(g.Kubeconfig, g.Context)
			if err != nil {
				return err
			}
			opts.Config, opts.Logger = c.Config, g.Logger()
			return controller.Run(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Namespace, "watch-namespace", "", "reconcile only the Applications of this namespace (default: all)")
	f.IntVar(&opts.Concurrency, "concurrency", 4, "Applications reconciled at once")
	f.StringVar(&opts.ProbeAddr, "health-probe-address", ":8081", "address of /healthz and /readyz (empty: none)")
	f.StringVar(&opts.MetricsAddr, "metrics-address", ":8080", "address of /metrics, Prometheus (empty: none)")
	f.BoolVar(&opts.LeaderElection, "leader-elect", false, "hold the Lease tugboat-controller so that only one replica reconciles")
	f.StringVar(&opts.LeaderElectionNamespace, "leader-election-namespace", "tugboat-system", "namespace of the leader election Lease")
	f.StringVar(&opts.CacheDir, "cache-dir", "", "git mirrors and charts (default: the user cache dir)")
	return cmd
}
