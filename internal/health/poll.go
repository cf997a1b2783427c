package health

import (
	"context"
	"fmt"
	"sort"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

const (
	// listPageSize bounds one LIST response, so a namespace of thousands
	// of objects does not come back as one huge body.
	listPageSize = 500
	// listConcurrency bounds the LISTs in flight in one poll.
	listConcurrency = 8
)

var podsResource = schema.GroupVersionResource{Version: "v1", Resource: "pods"}

// listKey is the unit of one LIST: a kind in a namespace.
type listKey struct {
	gk        schema.GroupKind
	namespace string
}

// poller reads the health of a fixed set of objects, one poll at a time.
type poller struct {
	client dynamic.Interface
	mapper meta.RESTMapper
	ids    []object.ID
	// groups maps each LIST to the indexes of the ids it answers.
	groups map[listKey][]int
	keys   []listKey
	// stale is set when a kind was unknown to the mapper in this poll.
	stale atomic.Bool
}

func newPoller(client dynamic.Interface, mapper meta.RESTMapper, ids []object.ID) *poller {
	p := &poller{client: client, mapper: mapper, ids: ids, groups: map[listKey][]int{}}
	for i, id := range ids {
		k := listKey{gk: id.GroupKind(), namespace: id.Namespace}
		if _, ok := p.groups[k]; !ok {
			p.keys = append(p.keys, k)
		}
		p.groups[k] = append(p.groups[k], i)
	}
	sort.Slice(p.keys, func(i, j int) bool {
		a, b := p.keys[i], p.keys[j]
		if a.gk != b.gk {
			return a.gk.String() < b.gk.String()
		}
		return a.namespace < b.namespace
	})
	return p
}

// poll reads every object once. Errors that retrying cannot fix (no
// permission to list) end the wait; others leave the objects Unknown with
// the error as their message, for the next poll to retry.
func (p *poller) poll(ctx context.Context) ([]Result, error) {
	results := make([]Result, len(p.ids))
	live := make([]*unstructured.Unstructured, len(p.ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(listConcurrency)
	for _, k := range p.keys {
		g.Go(func() error { return p.pollGroup(gctx, k, results, live) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err // the LISTs cut short say nothing about the objects
	}
	if p.stale.Swap(false) {
		if r, ok := p.mapper.(meta.ResettableRESTMapper); ok {
			r.Reset()
		}
	}
	if err := p.explain(ctx, results, live); err != nil {
		return nil, err
	}
	return results, nil
}

// pollGroup fills the results of one LIST's ids. Each goroutine writes only
// its own indexes.
func (p *poller) pollGroup(ctx context.Context, k listKey, results []Result, live []*unstructured.Unstructured) error {
	idx := p.groups[k]
	res, ns, missing := p.resource(k)
	if missing != nil {
		p.fill(idx, results, *missing)
		return nil
	}
	found, err := p.list(ctx, res, p.names(idx))
	switch {
	case apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err):
		return fmt.Errorf("list %s in %q: %w", k.gk, ns, err)
	case apierrors.IsNotFound(err): // the kind went away since discovery
		p.stale.Store(true)
		p.fill(idx, results, Result{Status: NotFound, Message: "kind not served by the cluster"})
		return nil
	case err != nil:
		p.fill(idx, results, Result{Status: Unknown, Message: fmt.Sprintf("list: %v", err)})
		return nil
	}
	for _, i := range idx {
		results[i] = NotFoundResult(p.ids[i])
		if u := found[p.ids[i].Name]; u != nil {
			results[i] = Compute(u)
			results[i].ID = p.ids[i] // the caller's id, even if the server spells it otherwise
			live[i] = u
		}
	}
	return nil
}

// resource resolves the LIST of k and the namespace it reads. When it
// cannot, it returns the result every object of k gets instead.
func (p *poller) resource(k listKey) (dynamic.ResourceInterface, string, *Result) {
	mapping, err := p.mapper.RESTMapping(k.gk)
	if meta.IsNoMatchError(err) {
		p.stale.Store(true)
		return nil, "", &Result{Status: NotFound, Message: "kind not served by the cluster"}
	}
	if err != nil {
		return nil, "", &Result{Status: Unknown, Message: fmt.Sprintf("map kind %s: %v", k.gk, err)}
	}
	if mapping.Scope.Name() != meta.RESTScopeNameNamespace {
		return p.client.Resource(mapping.Resource), "", nil
	}
	if k.namespace == "" {
		return nil, "", &Result{Status: NotFound, Message: "namespaced kind without a namespace"}
	}
	return p.client.Resource(mapping.Resource).Namespace(k.namespace), k.namespace, nil
}

// fill gives the objects at idx the status and message of r.
func (p *poller) fill(idx []int, results []Result, r Result) {
	for _, i := range idx {
		results[i] = Result{ID: p.ids[i], Status: r.Status, Reason: r.Reason, Message: r.Message}
	}
}

func (p *poller) names(idx []int) map[string]bool {
	names := make(map[string]bool, len(idx))
	for _, i := range idx {
		names[p.ids[i].Name] = true
	}
	return names
}

// list pages through a LIST and keeps the objects named in want (all of
// them when want is nil).
func (p *poller) list(ctx context.Context, res dynamic.ResourceInterface, want map[string]bool) (map[string]*unstructured.Unstructured, error) {
	found := map[string]*unstructured.Unstructured{}
	opts := metav1.ListOptions{Limit: listPageSize}
	for {
		l, err := res.List(ctx, opts)
		if err != nil {
			return nil, err
		}
		for i := range l.Items {
			if want == nil || want[l.Items[i].GetName()] {
				found[l.Items[i].GetName()] = &l.Items[i]
			}
		}
		if opts.Continue = l.GetContinue(); opts.Continue == "" {
			return found, nil
		}
	}
}

// explain lists the pods of each namespace holding a workload that is not
// Current, once per namespace, for Explain. Explanations are a bonus: a
// failed pod LIST leaves the results as they are.
func (p *poller) explain(ctx context.Context, results []Result, live []*unstructured.Unstructured) error {
	byNamespace := map[string][]int{}
	for i, r := range results {
		if live[i] != nil && !r.Ready() && IsWorkload(r.ID.GroupKind()) {
			ns := live[i].GetNamespace()
			byNamespace[ns] = append(byNamespace[ns], i)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(listConcurrency)
	for ns, idx := range byNamespace {
		g.Go(func() error {
			found, err := p.list(gctx, p.client.Resource(podsResource).Namespace(ns), nil)
			if err != nil {
				return nil
			}
			pods := make([]*unstructured.Unstructured, 0, len(found))
			for _, pod := range found {
				pods = append(pods, pod)
			}
			for _, i := range idx {
				results[i] = Explain(results[i], live[i], pods)
			}
			return nil
		})
	}
	_ = g.Wait() // the goroutines never fail
	return ctx.Err()
}
