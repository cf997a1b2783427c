package helm

import (
	"context"
	"strconv"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/render"
)

// BenchmarkRenderChart renders the app chart, its subchart, values files,
// inline values and --set included, with a different replica count each
// time, the way a controller re-renders one app as its values change.
func BenchmarkRenderChart(b *testing.B) {
	req := render.Request{Root: testdataRoot(b), Path: "charts/app", Helm: helmOptions(testdataRoot(b))}
	set := req.Helm.Set
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		req.Helm.Set = append(set[:len(set):len(set)], "replicaCount="+strconv.Itoa(i%10))
		objs, err := Renderer{}.Render(context.Background(), req)
		if err != nil {
			b.Fatal(err)
		}
		if len(objs) != 11 {
			b.Fatalf("rendered %d objects, want 11", len(objs))
		}
	}
}

// BenchmarkHelmAction renders and parses the same as BenchmarkRenderChart
// with Helm's pkg/action, for comparison.
func BenchmarkHelmAction(b *testing.B) {
	req := render.Request{Root: testdataRoot(b), Path: "charts/app", Helm: helmOptions(testdataRoot(b))}
	set := req.Helm.Set
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		req.Helm.Set = append(set[:len(set):len(set)], "replicaCount="+strconv.Itoa(i%10))
		if objs := helmObjects(b, req); len(objs) != 11 {
			b.Fatalf("rendered %d objects, want 11", len(objs))
		}
	}
}
