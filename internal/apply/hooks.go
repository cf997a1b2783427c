package apply

import (
	"context"
	"errors"
	"fmt"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
)

// CleanUpHooks deletes the hooks this run applied whose delete policy asks
// for it: hook-succeeded ones after a run that succeeded, hook-failed ones
// after one that failed. They stay in the inventory, which knows them by
// the hash of what ran, so that they are neither missed nor run again.
func CleanUpHooks(ctx context.Context, c *cluster.Cluster, cs *changeset.Set, succeeded bool) error {
	var errs []error
	for i := range cs.Changes {
		ch := &cs.Changes[i]
		if ch.Hook == nil || ch.UID == "" || !ch.NeedsWrite() {
			continue
		}
		if succeeded && !ch.Hook.Succeeded || !succeeded && !ch.Hook.Failed {
			continue
		}
		err := c.Delete(ctx, ch.Desired.GroupVersionKind(), ch.ID.Namespace, ch.ID.Name, ch.UID)
		if err != nil {
			errs = append(errs, fmt.Errorf("delete hook %s: %w", ch.ID, err))
		}
	}
	return errors.Join(errs...)
}
