package testenv

import (
	"context"
	"os"
	"testing"
)

// SkipIfShort skips integration tests under `go test -short`, which runs the
// unit tests alone.
func SkipIfShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs the local control plane (run without -short)")
	}
}

// NewCluster starts a cluster for the test and stops it at cleanup. When the
// test fails, or TUGBOAT_KEEP_TESTENV is set, the component logs are kept and
// their path is logged.
func NewCluster(t testing.TB, opts ClusterOptions) *Cluster {
	t.Helper()
	SkipIfShort(t)
	if opts.Name == "" {
		opts.Name = "test"
	}
	if opts.Progress == nil {
		opts.Progress = os.Stderr
	}
	c, err := StartCluster(context.Background(), opts)
	if err != nil {
		t.Fatalf("start cluster: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("TUGBOAT_KEEP_TESTENV") != "" {
			c.Keep()
			t.Logf("cluster %s: component logs kept in %s", c.Name, c.LogDir)
		}
		if err := c.Stop(); err != nil {
			t.Errorf("stop cluster %s: %v", c.Name, err)
		}
	})
	return c
}
