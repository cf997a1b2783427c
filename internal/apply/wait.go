package apply

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

// establishTimeout bounds the wait for a CRD to be served.
const establishTimeout = 60 * time.Second

// waitEstablished waits until every CRD among objs is Established, then
// refreshes discovery so their kinds can be applied.
func waitEstablished(ctx context.Context, c *cluster.Cluster, objs []*object.Object) error {
	waited := false
	for _, o := range objs {
		if o.GetKind() != "CustomResourceDefinition" {
			continue
		}
		waited = true
		err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, establishTimeout, true, func(ctx context.Context) (bool, error) {
			live, err := c.Get(ctx, o.GroupVersionKind(), "", o.GetName())
			return err == nil && live != nil && established(live), nil
		})
		if err != nil {
			return fmt.Errorf("%s: not Established after %s: %w", o, establishTimeout, err)
		}
	}
	if waited {
		c.Refresh()
	}
	return nil
}

func established(u *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}

// recreate deletes the live object (the one planned, by UID) and waits
// until it is gone, so that the apply that follows creates it anew.
func recreate(ctx context.Context, c *cluster.Cluster, ch *changeset.Change) error {
	o := ch.Desired
	if err := c.Delete(ctx, o.GroupVersionKind(), o.GetNamespace(), o.GetName(), ch.UID); err != nil {
		return fmt.Errorf("%s: delete to re-create: %w", o, err)
	}
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, establishTimeout, true, func(ctx context.Context) (bool, error) {
		live, err := c.Get(ctx, o.GroupVersionKind(), o.GetNamespace(), o.GetName())
		return err == nil && (live == nil || live.GetUID() != ch.UID), nil
	})
	if err != nil {
		return fmt.Errorf("%s: still there after delete: %w", o, err)
	}
	return nil
}
