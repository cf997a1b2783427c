// Package controller is the pull-mode driver: it keeps Application
// resources in sync with their sources by calling the same pipeline as
// `tug apply`, so that an app moves between push and pull without a write.
// It holds policy only (when to reconcile, what to report); the engine is
// internal/pipeline.
package controller

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	crcontroller "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
	"github.com/tugboat-gitops/tugboat/internal/webhook"
)

// DefaultInterval is how often an Application's source is checked when
// its spec sets no interval.
const DefaultInterval = 5 * time.Minute

// renderCacheSize keeps a render per app for thousands of apps: an app
// whose commit did not move must never render again because others
// pushed it out of a smaller cache.
const renderCacheSize = 8192

// DefaultConcurrency: a sync mostly waits on the API server and git (a
// new one-object app is four writes in a row), so it takes many in
// flight to keep an API server busy. bench/cmd/apps on 2 cores: 500 new
// apps Ready in 9.3 s at 16, 5.9 s at 32, where the machine's CPU became
// the limit, and no better at 64. 16 leaves a shared control plane room.
const DefaultConcurrency = 16

// Options configure Run.
type Options struct {
	// Config reaches the cluster that holds the Applications, which is
	// also their destination unless spec.destination names another.
	Config *rest.Config
	// Kubeconfig is the kubeconfig Config came from, if any (a local
	// process; nil in a cluster), with the context Config uses as its
	// current one: spec.destination.context names one of its contexts.
	Kubeconfig *clientcmdapi.Config
	// AllowCrossNamespaceRefs lets an Application name a destination
	// Secret in another namespace than its own. Off by default: whoever
	// may create an Application in a namespace could otherwise deploy
	// with any namespace's cluster credentials.
	AllowCrossNamespaceRefs bool
	// Namespace limits the Applications watched; empty watches all.
	Namespace string
	// Concurrency bounds the apps reconciled at once (default
	// DefaultConcurrency): a slow app never blocks the others beyond that.
	Concurrency int
	// CacheDir holds git mirrors and charts (default: the user cache dir).
	CacheDir string
	// ProbeAddr serves /healthz and /readyz; empty serves none.
	ProbeAddr string
	// MetricsAddr serves Prometheus metrics on /metrics; empty serves none.
	MetricsAddr string
	// WebhookAddr serves the push receivers on /hook/<name>; empty serves
	// none.
	WebhookAddr string
	Receivers   []webhook.Receiver
	// LeaderElection lets only one of several replicas reconcile, holding
	// the Lease tugboat-controller in LeaderElectionNamespace.
	LeaderElection          bool
	LeaderElectionNamespace string
	// Logger receives the controller's and the pipeline's logs.
	Logger *slog.Logger
}

// Run reconciles Applications until ctx ends.
func Run(ctx context.Context, opts Options) error {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	log.SetLogger(logr.FromSlogHandler(opts.Logger.Handler()))
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		return err
	}
	metricsAddr := opts.MetricsAddr
	if metricsAddr == "" {
		metricsAddr = "0" // controller-runtime's word for none
	}
	mgrOpts := ctrl.Options{
		Scheme: scheme, Metrics: server.Options{BindAddress: metricsAddr}, HealthProbeBindAddress: opts.ProbeAddr,
		LeaderElection: opts.LeaderElection, LeaderElectionID: "tugboat-controller",
		LeaderElectionNamespace: opts.LeaderElectionNamespace,
		// A replica that stops leading gives the Lease up at once, so the
		// next one takes over without waiting for it to expire.
		LeaderElectionReleaseOnCancel: true,
	}
	if opts.Namespace != "" {
		mgrOpts.Cache.DefaultNamespaces = map[string]cache.Config{opts.Namespace: {}}
	}
	mgr, err := ctrl.NewManager(opts.Config, mgrOpts)
	if err != nil {
		return fmt.Errorf("controller: %w", err)
	}
	dests, err := newDestinations(ctx, mgr, opts)
	if err != nil {
		return err
	}
	r := &reconciler{
		client: mgr.GetClient(),
		pipeline: pipeline.New(pipeline.Options{CacheDir: opts.CacheDir, Logger: opts.Logger,
			RenderCacheSize: renderCacheSize, Reader: dests.reader, OnFetch: observeFetch}),
		dests:  dests,
		events: mgr.GetEventRecorder("tugboat-controller"),
		log:    opts.Logger,
		ctx:    ctx,
	}
	apps := ctrl.NewControllerManagedBy(mgr).
		// Status writes bump no generation: the controller's own status
		// patches never trigger it again; `tug sync` changes an annotation.
		For(&v1alpha1.Application{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		WatchesRawSource(source.Channel(dests.events, &handler.EnqueueRequestForObject{})).
		// One controller per process in production; tests run several
		// in one, and the name check only guards metric names.
		WithOptions(crcontroller.Options{MaxConcurrentReconciles: opts.Concurrency, SkipNameValidation: ptr.To(true)})
	if apps, err = watchImages(mgr, apps, r, opts); err != nil {
		return err
	}
	if err := apps.Complete(r); err != nil {
		return fmt.Errorf("controller: %w", err)
	}
	if opts.ProbeAddr != "" {
		if err := addProbes(mgr); err != nil {
			return err
		}
	}
	if opts.WebhookAddr != "" {
		hooks := &webhooks{addr: opts.WebhookAddr, receivers: opts.Receivers, client: mgr.GetClient(), events: dests.events, forget: r.pipeline.Forget}
		if err := mgr.Add(hooks); err != nil {
			return fmt.Errorf("controller: %w", err)
		}
	}
	return mgr.Start(ctx)
}

// newDestinations connects to the controller's own cluster, the default
// destination, and readies the others for when an Application names one.
func newDestinations(ctx context.Context, mgr ctrl.Manager, opts Options) (*destinations, error) {
	c, err := cluster.FromConfig("in-cluster", opts.Config)
	if err != nil {
		return nil, err
	}
	meta, err := metadata.NewForConfig(opts.Config)
	if err != nil {
		return nil, fmt.Errorf("controller: %w", err)
	}
	cs, err := kubernetes.NewForConfig(opts.Config)
	if err != nil {
		return nil, fmt.Errorf("controller: %w", err)
	}
	events := make(chan event.GenericEvent, 1024)
	return &destinations{
		ctx: ctx, events: events,
		local: &destination{key: "local", cluster: c, drift: newDriftWatch(ctx, meta, events),
			inventories: newInventoryCache(ctx, cs), stop: func() {}},
		secrets: mgr.GetClient(), direct: mgr.GetAPIReader(), cacheNamespace: opts.Namespace,
		crossNamespace: opts.AllowCrossNamespaceRefs, kubeconfig: opts.Kubeconfig,
	}, nil
}

func addProbes(mgr ctrl.Manager) error {
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	return mgr.AddReadyzCheck("ping", healthz.Ping)
}
