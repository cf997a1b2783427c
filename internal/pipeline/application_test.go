package pipeline

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/failure"
)

// TestFromApplication: the App is named and placed as the controller
// syncs it, and a spec it cannot sync is a stalled failure with the
// reason its condition shows.
func TestFromApplication(t *testing.T) {
	tests := []struct {
		name       string
		spec       v1alpha1.AppSpec
		wantName   string
		wantNS     string
		wantReason string
	}{
		{name: "defaults", spec: v1alpha1.AppSpec{Repo: "https://git.example.com/envs.git", Path: "apps/web"}, wantName: "web", wantNS: "team"},
		{name: "spec name and namespace win", spec: v1alpha1.AppSpec{Name: "web-prod", Repo: "https://git.example.com/envs.git", Path: "apps/web",
			Destination: v1alpha1.Destination{Namespace: "prod"}}, wantName: "web-prod", wantNS: "prod"},
		{name: "chart only", spec: v1alpha1.AppSpec{Chart: &v1alpha1.ChartSource{Repo: "https://charts.example.com", Name: "web"}}, wantName: "web", wantNS: "team"},
		{name: "no source", spec: v1alpha1.AppSpec{Path: "apps/web"}, wantReason: "InvalidSpec"},
		{name: "invalid", spec: v1alpha1.AppSpec{Repo: "https://git.example.com/envs.git"}, wantReason: "InvalidSpec"},
		{name: "another cluster", spec: v1alpha1.AppSpec{Repo: "https://git.example.com/envs.git", Path: "apps/web",
			Destination: v1alpha1.Destination{Cluster: &v1alpha1.ClusterRef{SecretRef: v1alpha1.SecretKeyRef{Name: "prod"}}}}, wantName: "web", wantNS: "team"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := &v1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "team"},
				Spec: v1alpha1.ApplicationSpec{AppSpec: tt.spec}}
			got, err := FromApplication(app)
			if tt.wantReason != "" {
				f, ok := failure.Of(err)
				if !ok || f.Reason != tt.wantReason || f.Retryable() {
					t.Fatalf("err = %v (%+v), want a stalled %s", err, f, tt.wantReason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != tt.wantName || got.Render.Post.Namespace != tt.wantNS || got.Render.Helm.Namespace != tt.wantNS {
				t.Errorf("name %q, namespace %q (helm %q); want %q, %q", got.Name, got.Render.Post.Namespace, got.Render.Helm.Namespace, tt.wantName, tt.wantNS)
			}
			if app.Spec.Destination.Namespace != tt.spec.Destination.Namespace {
				t.Error("FromApplication changed the Application's spec")
			}
		})
	}
}
