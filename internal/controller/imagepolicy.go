package controller

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/failure"
	"github.com/tugboat-gitops/tugboat/internal/image"
	"github.com/tugboat-gitops/tugboat/internal/image/policy"
	"github.com/tugboat-gitops/tugboat/internal/image/scan"
)

// DefaultImageInterval is how often an ImagePolicy's registry is scanned
// when its spec sets no interval.
const DefaultImageInterval = 5 * time.Minute

// policyReconciler scans each ImagePolicy's registry at its interval and
// records the latest image in its status. Applications follow through a
// watch on that status (see watchImages), not through this reconciler.
type policyReconciler struct {
	client client.Client
	events events.EventRecorder
	log    *slog.Logger

	mu sync.Mutex
	// scanners keeps one Scanner per policy, so that its authenticated
	// transport and ETags serve the next scan: an unchanged tag list then
	// costs one request answered 304.
	scanners map[types.NamespacedName]*policyScanner
	// failures counts each policy's failed scans in a row, for its backoff.
	failures map[types.NamespacedName]int
}

// policyScanner is a Scanner and what it was built from: a new Secret,
// registry or insecure flag needs a new one.
type policyScanner struct {
	key     string
	scanner *scan.Scanner
}

// Reconcile scans the policy's registry and writes its status only if the
// status changed: a scan that finds nothing new costs no write.
func (r *policyReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var p v1alpha1.ImagePolicy
	if err := r.client.Get(ctx, req.NamespacedName, &p); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	res, err := r.scan(ctx, &p)
	observeScan(res, err)
	status := p.Status.DeepCopy()
	setPolicyStatus(status, &p, res, err, time.Now())
	r.emit(&p, status, err)
	if !equality.Semantic.DeepEqual(status, &p.Status) {
		patched := p.DeepCopy()
		patched.Status = *status
		if perr := r.client.Status().Patch(ctx, patched, client.MergeFrom(&p)); perr != nil {
			return ctrl.Result{}, fmt.Errorf("status of ImagePolicy %s: %w", req, perr)
		}
	}
	if err != nil {
		r.log.Debug("image scan failed", "imagepolicy", req.String(), "error", err)
	}
	return ctrl.Result{RequeueAfter: r.next(req.NamespacedName, &p, err)}, nil
}

// scan validates the policy, then reads its latest image.
func (r *policyReconciler) scan(ctx context.Context, p *v1alpha1.ImagePolicy) (image.Resolved, error) {
	if err := validatePolicy(p); err != nil {
		return image.Resolved{}, stalled("InvalidSpec", err)
	}
	sc, err := r.scanner(ctx, p)
	if err != nil {
		return image.Resolved{}, err
	}
	res, err := image.Resolve(ctx, sc, p.Spec)
	return res, scanFailure(err)
}

// validatePolicy checks what the API server cannot: a spec that fails here
// cannot work until it changes.
func validatePolicy(p *v1alpha1.ImagePolicy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	_, err := policy.New(p.Spec)
	return err
}

// scanner returns the policy's Scanner, new when its credentials,
// registry or insecure flag changed since the last scan.
func (r *policyReconciler) scanner(ctx context.Context, p *v1alpha1.ImagePolicy) (*scan.Scanner, error) {
	data, err := r.registrySecret(ctx, p)
	if err != nil {
		return nil, err
	}
	registry := registryOf(p.Spec)
	key := scannerKey(registry, p.Spec.Insecure, data)
	nn := types.NamespacedName{Namespace: p.Namespace, Name: p.Name}
	r.mu.Lock()
	defer r.mu.Unlock()
	if ps, ok := r.scanners[nn]; ok && ps.key == key {
		return ps.scanner, nil
	}
	auth, err := scan.AuthFromSecretData(data, registry)
	if err != nil {
		// Its errors name keys, never values.
		return nil, failure.New(failure.Fetch, "InvalidSecret", false, fmt.Errorf("secretRef: Secret %s/%s: %w", p.Namespace, p.Spec.SecretRef.Name, err))
	}
	if r.scanners == nil {
		r.scanners = map[types.NamespacedName]*policyScanner{}
	}
	sc := scan.New(scan.Options{Auth: auth, Insecure: p.Spec.Insecure})
	r.scanners[nn] = &policyScanner{key: key, scanner: sc}
	return sc, nil
}

// registrySecret reads the data of the Secret the spec names, in the
// policy's namespace only; nil when it names none.
func (r *policyReconciler) registrySecret(ctx context.Context, p *v1alpha1.ImagePolicy) (map[string][]byte, error) {
	if p.Spec.SecretRef == nil {
		return nil, nil
	}
	var s corev1.Secret
	key := types.NamespacedName{Namespace: p.Namespace, Name: p.Spec.SecretRef.Name}
	if err := r.client.Get(ctx, key, &s); err != nil {
		if apierrors.IsNotFound(err) {
			// Not stalled: Secrets are not watched, so a retry is what
			// notices the Secret once it is created.
			return nil, failure.New(failure.Fetch, "SecretNotFound", false, fmt.Errorf("secretRef: Secret %s not found", key))
		}
		return nil, fmt.Errorf("secretRef: Secret %s: %w", key, err)
	}
	return s.Data, nil
}

// registryOf is the host[:port] of the spec's image, which picks the
// entry of a docker config; "" when it does not parse (the scan says why).
func registryOf(spec v1alpha1.ImagePolicySpec) string {
	var opts []name.Option
	if spec.Insecure {
		opts = append(opts, name.Insecure)
	}
	repo, err := name.NewRepository(spec.Image, opts...)
	if err != nil {
		return ""
	}
	return repo.RegistryStr()
}

// scannerKey hashes what a Scanner is built from, so that the secret
// values themselves are never kept beside it.
func scannerKey(registry string, insecure bool, data map[string][]byte) string {
	h := sha256.New()
	field := func(b []byte) {
		h.Write(binary.AppendUvarint(nil, uint64(len(b))))
		h.Write(b)
	}
	field([]byte(registry))
	field([]byte(fmt.Sprint(insecure)))
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		field([]byte(k))
		field(data[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// next is when to scan again: the interval after a success, backing off
// from soon after a failure (never later than the interval), and only on
// a spec change after a stalled one.
func (r *policyReconciler) next(nn types.NamespacedName, p *v1alpha1.ImagePolicy, err error) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		delete(r.failures, nn)
		return jitter(policyInterval(p))
	}
	if !retryable(err) {
		return 0
	}
	if r.failures == nil {
		r.failures = map[types.NamespacedName]int{}
	}
	r.failures[nn]++
	return jitter(backoff(nil, r.failures[nn], policyInterval(p)))
}

func policyInterval(p *v1alpha1.ImagePolicy) time.Duration {
	if p.Spec.Interval != nil && p.Spec.Interval.Duration > 0 {
		return p.Spec.Interval.Duration
	}
	return DefaultImageInterval
}

// forget drops a deleted policy's scanner and backoff.
func (r *policyReconciler) forget(nn types.NamespacedName) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.scanners, nn)
	delete(r.failures, nn)
}

// emit records an Event for what a person should know: a new latest
// image, a new failure, a recovery. The same failure again emits none.
func (r *policyReconciler) emit(p *v1alpha1.ImagePolicy, status *v1alpha1.ImagePolicyStatus, err error) {
	if r.events == nil {
		return
	}
	before, now := policyReadyOf(&p.Status), policyReadyOf(status)
	switch {
	case err != nil && now != before:
		r.events.Eventf(p, nil, corev1.EventTypeWarning, reasonOf(err), "Scan", "%s", truncate(err.Error(), 1024))
	case err == nil && status.LatestImage != p.Status.LatestImage:
		r.events.Eventf(p, nil, corev1.EventTypeNormal, "NewImage", "Scan", "latest image %s (was %s)", status.LatestImage, orNone(p.Status.LatestImage))
	case err == nil && now != before && before != "":
		r.events.Eventf(p, nil, corev1.EventTypeNormal, "Ready", "Scan", "latest image %s", status.LatestImage)
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// observeScan counts one scan and the registry requests it made.
func observeScan(res image.Resolved, err error) {
	result := "ok"
	if err != nil {
		result = reasonOf(err)
	}
	imageScans.WithLabelValues(result).Inc()
	imageRegistryRequests.Add(float64(res.Requests))
}
