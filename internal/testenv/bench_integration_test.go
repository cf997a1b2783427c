package testenv

import (
	"context"
	"testing"
)

// BenchmarkClusterStart measures a cached start of one cluster, up to a
// schedulable node, and its stop.
func BenchmarkClusterStart(b *testing.B) {
	SkipIfShort(b)
	ctx := context.Background()
	if _, err := EnsureBinaries(ctx, VersionsFromEnv(), nil); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		c, err := StartCluster(ctx, ClusterOptions{Name: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		var total int64
		for _, rss := range c.ComponentMemory() {
			total += rss
		}
		b.ReportMetric(float64(total)/(1<<20), "MiB-rss")
		if err := c.Stop(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
