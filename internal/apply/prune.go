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
// stops at the first failure.
func Prune(ctx context.Context, c *cluster.Cluster, cs *changeset.Set, opts Options) error {
	for i := range cs.Changes {
		ch := &cs.Changes[i]
		if ch.Action != changeset.Prune {
			continue
		}
		gvk := schema.GroupVersionKind{Group: ch.ID.Group, Version: ch.Version, Kind: ch.ID.Kind}
		err := c.Delete(ctx, gvk, ch.ID.Namespace, ch.ID.Name, ch.UID)
		if opts.Done != nil {
			opts.Done(ch, err)
		}
		if err != nil {
			return fmt.Errorf("prune %s: %w", ch.ID, err)
		}
	}
	return nil
}
