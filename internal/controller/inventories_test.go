package controller

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"

	"github.com/tugboat-gitops/tugboat/internal/inventory"
)

// TestInventoryCache: a record is served from the watch only at the
// version this process last wrote, or when it wrote none; an absent one
// is absent unless this process wrote it and the watch has not seen that.
func TestInventoryCache(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: inventory.NamePrefix + "web", Namespace: inventory.Namespace,
		ResourceVersion: "7", Labels: map[string]string{inventory.LabelFor: "web"}}, Data: map[string]string{"app": "web"}}
	tests := []struct {
		name  string
		get   string
		wrote string // resourceVersion this process wrote; "" none, "-" deleted
		want  bool
		nilU  bool
	}{
		{"never written here", cm.Name, "", true, false},
		{"at the version written", cm.Name, "7", true, false},
		{"the watch lags behind a write", cm.Name, "8", false, false},
		{"the watch lags behind a delete", cm.Name, "-", false, false},
		{"absent", inventory.NamePrefix + "other", "", true, true},
		{"absent, deleted here", inventory.NamePrefix + "other", "-", true, true},
		{"absent, the watch lags behind a create", inventory.NamePrefix + "other", "8", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c := newInventoryCache(ctx, fake.NewClientset(cm.DeepCopy()))
			if !cache.WaitForCacheSync(ctx.Done(), c.informer.HasSynced) {
				t.Fatal("not synced")
			}
			switch tt.wrote {
			case "":
			case "-":
				c.written(tt.get, nil)
			default:
				u := &unstructured.Unstructured{}
				u.SetResourceVersion(tt.wrote)
				c.written(tt.get, u)
			}
			u, ok := c.get(tt.get)
			if ok != tt.want || ok && (u == nil) != tt.nilU {
				t.Fatalf("served = %v (absent %v), want %v (absent %v)", ok, u == nil, tt.want, tt.nilU)
			}
			if ok && u != nil && (u.GetKind() != "ConfigMap" || u.GetResourceVersion() != "7") {
				t.Errorf("served %s at %s", u.GetKind(), u.GetResourceVersion())
			}
		})
	}
}
