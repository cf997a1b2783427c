package controller

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/tugboat-gitops/tugboat/internal/pipeline"
)

// The controller's own metrics, served with controller-runtime's (queue
// depth, reconcile counts) on the metrics address.
var (
	reconcileDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tugboat_reconcile_duration_seconds",
		Help:    "Time to reconcile one Application, by result (Applied, or the failure's reason).",
		Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
	}, []string{"namespace", "application", "result"})
	objectsChanged = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tugboat_objects_changed_total",
		Help: "Objects the controller wrote, by action (create, update, recreate, prune).",
	}, []string{"namespace", "application", "action"})
	fetchDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tugboat_fetch_duration_seconds",
		Help:    "Time of one fetch from a git remote (one may serve many Applications), by result (ok or error).",
		Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
	}, []string{"repository", "result"})
	driftCorrections = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tugboat_drift_corrections_total",
		Help: "Syncs that wrote to the cluster with no new revision or spec: drift put back.",
	}, []string{"namespace", "application"})
	imageScans = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tugboat_image_scans_total",
		Help: "Scans of an ImagePolicy's registry, by result (ok, or the failure's reason).",
	}, []string{"result"})
	imageRegistryRequests = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "tugboat_image_registry_requests_total",
		Help: "HTTP requests sent to image registries by scans, auth handshakes included.",
	})
	imageUpdates = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tugboat_image_updates_total",
		Help: "Image write-backs to Applications' repositories, by result (committed, unchanged, or the failure's reason).",
	}, []string{"result"})
)

func init() {
	metrics.Registry.MustRegister(reconcileDuration, objectsChanged, driftCorrections, fetchDuration,
		imageScans, imageRegistryRequests, imageUpdates)
}

// observe records one sync of the Application ns/name that took took.
// drift says it found no new revision or spec to apply.
func observe(ns, name string, took time.Duration, res *pipeline.Result, err error, drift bool) {
	result := "Applied"
	if err != nil {
		result = reasonOf(err)
	}
	reconcileDuration.WithLabelValues(ns, name, result).Observe(took.Seconds())
	if res == nil || res.ChangeSet == nil {
		return
	}
	wrote := false
	for _, c := range res.ChangeSet.Changes {
		if c.Wrote() {
			objectsChanged.WithLabelValues(ns, name, string(c.Action)).Inc()
			wrote = true
		}
	}
	if wrote && drift {
		driftCorrections.WithLabelValues(ns, name).Inc()
	}
}

// observeFetch records one fetch from a git remote.
func observeFetch(repo string, took time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	fetchDuration.WithLabelValues(repo, result).Observe(took.Seconds())
}
