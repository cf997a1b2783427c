package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// benchEntries is how many of the largest entries BenchmarkRender times.
const benchEntries = 5

// BenchmarkRender times Tugboat's render of the largest entries against
// the reference's (the kustomize API, the Helm SDK or a plain decoder) in
// the same run, so the two figures share one machine and one moment.
// Both sides yield parsed objects; Tugboat's include post-rendering and
// validation.
func BenchmarkRender(b *testing.B) {
	kv, err := kubeVersion()
	if err != nil {
		b.Fatal(err)
	}
	entries, err := largestEntries(kv, benchEntries)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, e := range entries {
		b.Run("tugboat/"+e.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tugboat(ctx, e, kv); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("reference/"+e.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := reference(e, kv); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// largestEntries returns the n entries whose reference render is the
// largest in JSON bytes, largest first; refused entries are left out.
func largestEntries(kubeVersion string, n int) ([]*entry, error) {
	entries, err := loadEntries()
	if err != nil {
		return nil, err
	}
	size := map[*entry]int{}
	var sized []*entry
	for _, e := range entries {
		if e.Refused != "" {
			continue
		}
		objs, err := reference(e, kubeVersion)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.name, err)
		}
		if size[e], err = jsonSize(objs); err != nil {
			return nil, fmt.Errorf("%s: %w", e.name, err)
		}
		sized = append(sized, e)
	}
	sort.SliceStable(sized, func(i, j int) bool { return size[sized[i]] > size[sized[j]] })
	return sized[:min(n, len(sized))], nil
}

func jsonSize(objs []*object.Object) (int, error) {
	total := 0
	for _, o := range objs {
		data, err := json.Marshal(o.Object)
		if err != nil {
			return 0, err
		}
		total += len(data)
	}
	return total, nil
}
