package health

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/dynamic"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// Check computes the health of ids once, with the same one LIST per kind
// and namespace as Wait, and no waiting: for `tug status`.
func Check(ctx context.Context, client dynamic.Interface, mapper meta.RESTMapper, ids []object.ID) ([]Result, error) {
	return newPoller(client, mapper, ids).poll(ctx)
}
