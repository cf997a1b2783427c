package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/controller"
	"github.com/tugboat-gitops/tugboat/internal/webhook"
)

func newControllerCommand(g *GlobalOptions) *cobra.Command {
	var opts controller.Options
	var receivers []string
	var secretsDir string
	cmd := &cobra.Command{
		Use:   "controller",
		Short: "Keep Application resources in sync, in the cluster or as a local process",
		Long: `Run the pull-mode controller: it watches Application resources
(tugboat.dev/v1alpha1) and applies each one's source with the same engine
as tug apply, checking for a new revision every spec.interval (default
5m). It writes an Application's status only when something changed.

It runs the same in a cluster (in-cluster config) and as a local process
with --kubeconfig/--context. The CRD is deploy/crds.

An Application deploys to the controller's own cluster unless
spec.destination names another: a cluster by a Secret holding its
kubeconfig (in the Application's namespace, unless
--allow-cross-namespace-refs), or, for a controller run with a
kubeconfig, one of its contexts.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cluster.Connect(g.Kubeconfig, g.Context)
			if err != nil {
				return err
			}
			opts.Config, opts.Logger = c.Config, g.Logger()
			if opts.Kubeconfig, err = cluster.Kubeconfig(g.Kubeconfig, g.Context); err != nil {
				return err
			}
			if opts.Receivers, err = loadReceivers(receivers, secretsDir); err != nil {
				return err
			}
			return controller.Run(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Namespace, "watch-namespace", "", "reconcile only the Applications of this namespace (default: all)")
	f.IntVar(&opts.Concurrency, "concurrency", controller.DefaultConcurrency, "Applications reconciled at once")
	f.StringVar(&opts.ProbeAddr, "health-probe-address", ":8081", "address of /healthz and /readyz (empty: none)")
	f.StringVar(&opts.MetricsAddr, "metrics-address", ":8080", "address of /metrics, Prometheus (empty: none)")
	f.StringVar(&opts.WebhookAddr, "webhook-address", "", "address of the push webhook receivers, /hook/NAME (empty: none)")
	f.StringArrayVar(&receivers, "webhook-receiver", nil, "a receiver, NAME=PROVIDER (github, gitlab, gitea, forgejo, bitbucket, generic); its secret is the file NAME in --webhook-secrets-dir (repeatable)")
	f.StringVar(&secretsDir, "webhook-secrets-dir", "", "directory of the receivers' secrets, a file per receiver (a mounted Secret)")
	f.BoolVar(&opts.LeaderElection, "leader-elect", false, "hold the Lease tugboat-controller so that only one replica reconciles")
	f.StringVar(&opts.LeaderElectionNamespace, "leader-election-namespace", "tugboat-system", "namespace of the leader election Lease")
	f.StringVar(&opts.CacheDir, "cache-dir", "", "git mirrors and charts (default: the user cache dir)")
	f.BoolVar(&opts.AllowCrossNamespaceRefs, "allow-cross-namespace-refs", false, "let an Application's destination.cluster.secretRef name a Secret in another namespace")
	return cmd
}

// loadReceivers builds the receivers NAME=PROVIDER, each with the secret
// in the file NAME of dir.
func loadReceivers(specs []string, dir string) ([]webhook.Receiver, error) {
	var out []webhook.Receiver
	for _, spec := range specs {
		name, provider, ok := strings.Cut(spec, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("--webhook-receiver %q: want NAME=PROVIDER", spec)
		}
		if dir == "" {
			return nil, fmt.Errorf("--webhook-receiver %s: give --webhook-secrets-dir, where the file %s holds its secret", name, name)
		}
		secret, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("--webhook-receiver %s: secret: %w", name, err)
		}
		out = append(out, webhook.Receiver{Name: name, Provider: webhook.Provider(provider), Secret: bytes.TrimRight(secret, "\r\n")})
	}
	return out, nil
}
