package apply

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
)

// Prune deletes the prune changes of cs, in the order given (the plan
// orders them in reverse apply order), each by the UID seen when planning,
// so that an object re-created since by someone else is left alone. It
// stops at the first failure, and returns cs completed with the outcome of
// every prune and skip it reached; cs itself is left as it was.
func Prune(ctx context.Context, c *cluster.Cluster, cs *changeset.Set, opts Options) (*changeset.Set, error) {
	done := cs.Copy()
	for i := range done.Changes {
		ch := &done.Changes[i]
		switch ch.Action {
		case changeset.Skip:
			ch.Done(nil)
			continue
		case changeset.Prune:
		default:
			continue
		}
		gvk := schema.GroupVersionKind{Group: ch.ID.Group, Version: ch.Version, Kind: ch.ID.Kind}
		err := c.Delete(ctx, gvk, ch.ID.Namespace, ch.ID.Name, ch.UID)
		ch.Done(err)
		if opts.Done != nil {
			opts.Done(ch)
		}
		if err != nil {
			return done, fmt.Errorf("prune %s: %w", ch.ID, err)
		}
	}
	return done, nil
}
