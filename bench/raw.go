package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/tugboat-gitops/tugboat/bench/reqcount"
)

// rawFieldManager owns what the raw loop applies.
const rawFieldManager = "bench-raw"

// resources maps the generated kinds to their resources: the raw loop
// needs no discovery.
var resources = map[string]schema.GroupVersionResource{
	"Namespace":      {Version: "v1", Resource: "namespaces"},
	"ConfigMap":      {Version: "v1", Resource: "configmaps"},
	"Service":        {Version: "v1", Resource: "services"},
	"Deployment":     {Group: "apps", Version: "v1", Resource: "deployments"},
	"ServiceAccount": {Version: "v1", Resource: "serviceaccounts"},
	"Ingress":        {Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"},
}

// rawApplier server-side-applies objects as fast as the API server takes
// them: bodies encoded up front, client rate limits off, workers in
// parallel.
type rawApplier struct {
	client  dynamic.Interface
	counter *reqcount.Counter
}

func newRawApplier(cfg *rest.Config) (*rawApplier, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst, cfg.RateLimiter = -1, -1, nil
	counter := &reqcount.Counter{}
	cfg.Wrap(counter.Wrap)
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("raw client: %w", err)
	}
	return &rawApplier{client: client, counter: counter}, nil
}

// RawApply measures the raw limit: objs applied with server-side apply
// (forced, field manager bench-raw) by workers goroutines, timed from the
// first request to the last response. The namespace is created first,
// outside the timing.
func RawApply(ctx context.Context, cfg *rest.Config, objs []*unstructured.Unstructured, workers int) (Row, error) {
	a, err := newRawApplier(cfg)
	if err != nil {
		return Row{}, err
	}
	if err := a.applyAll(ctx, []*unstructured.Unstructured{NamespaceObject()}, 1); err != nil {
		return Row{}, err
	}
	a.counter.Reset()
	start := time.Now()
	if err := a.applyAll(ctx, objs, workers); err != nil {
		return Row{}, err
	}
	row := Row{Wall: time.Since(start), Objects: len(objs), Result: fmt.Sprintf("%d applied", len(objs))}
	row.Requests = a.counter.Counts()
	return row, nil
}

func (a *rawApplier) applyAll(ctx context.Context, objs []*unstructured.Unstructured, workers int) error {
	bodies := make([][]byte, len(objs))
	for i, o := range objs {
		data, err := json.Marshal(o.Object)
		if err != nil {
			return fmt.Errorf("encode %s: %w", o.GetName(), err)
		}
		bodies[i] = data
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := a.apply(ctx, objs[i], bodies[i]); err != nil {
					cancel(err)
				}
			}
		})
	}
	for i := range objs {
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}

func (a *rawApplier) apply(ctx context.Context, o *unstructured.Unstructured, body []byte) error {
	if ctx.Err() != nil {
		return nil
	}
	var ri dynamic.ResourceInterface = a.client.Resource(resources[o.GetKind()])
	if ns := o.GetNamespace(); ns != "" {
		ri = a.client.Resource(resources[o.GetKind()]).Namespace(ns)
	}
	force := true
	_, err := ri.Patch(ctx, o.GetName(), types.ApplyPatchType, body, metav1.PatchOptions{FieldManager: rawFieldManager, Force: &force})
	if err != nil {
		return fmt.Errorf("raw apply %s %s: %w", o.GetKind(), o.GetName(), err)
	}
	return nil
}
