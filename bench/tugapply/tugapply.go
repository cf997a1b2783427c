// Package tugapply runs one counted pipeline.Apply of a directory: the unit
// the scale harness measures. It runs in a process of its own
// (bench/cmd/tugapply), so that the harness can read the peak resident
// memory of exactly one apply from the operating system.
package tugapply

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/tugboat-gitops/tugboat/bench/procmem"
	"github.com/tugboat-gitops/tugboat/bench/reqcount"
	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
)

// Options say what to apply, and where.
type Options struct {
	Kubeconfig string
	// Dir holds the manifests (plain YAML).
	Dir string
	// App names the app (default "bench").
	App string
	// Concurrency bounds the requests in flight (0: the engine's default).
	Concurrency int
	// CacheDir is the pipeline's cache (default: the user cache dir).
	CacheDir string
}

// Report is what one apply did, as the helper prints it in JSON.
type Report struct {
	// ApplySeconds is the time spent in pipeline.Apply alone; the harness
	// measures the whole process too.
	ApplySeconds float64 `json:"applySeconds"`
	// FirstWriteSeconds is the time from the start of pipeline.Apply to
	// the first object applied: render, live view and dry-runs, before
	// any object is written. Zero when no object was written.
	FirstWriteSeconds float64         `json:"firstWriteSeconds"`
	Summary           string          `json:"summary,omitempty"`
	Actions           map[string]int  `json:"actions,omitempty"`
	Requests          reqcount.Counts `json:"requests"`
	// PeakRSS is the process's peak resident memory in bytes, read at the
	// end of the run.
	PeakRSS int64 `json:"peakRSS"`
	// Error is the apply's error, verbatim; empty on success.
	Error string `json:"error,omitempty"`
}

// Run applies opts.Dir as one app with pruning on, counting every request
// made to the cluster. An apply error is returned in the report, with
// whatever was counted up to it.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.App == "" {
		opts.App = "bench"
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", opts.Kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", opts.Kubeconfig, err)
	}
	counter := &reqcount.Counter{}
	cfg.Wrap(counter.Wrap)
	c, err := cluster.FromConfig("bench", cfg)
	if err != nil {
		return nil, err
	}
	app := pipeline.App{
		Name:   opts.App,
		Source: pipeline.SourceSpec{Dir: opts.Dir},
		Sync:   pipeline.SyncOptions{Prune: true, Concurrency: opts.Concurrency},
	}
	var firstWrite time.Duration
	start := time.Now()
	hooks := pipeline.Hooks{Applied: func(*changeset.Change) {
		if firstWrite == 0 {
			firstWrite = time.Since(start)
		}
	}}
	res, err := pipeline.New(pipeline.Options{CacheDir: opts.CacheDir}).Apply(ctx, app, c, hooks)
	rep := &Report{ApplySeconds: time.Since(start).Seconds(), FirstWriteSeconds: firstWrite.Seconds(), Requests: counter.Counts()}
	if err != nil {
		rep.Error = err.Error()
	}
	if res != nil && res.ChangeSet != nil {
		rep.Summary, rep.Actions = res.ChangeSet.Summary(), actions(res.ChangeSet)
	}
	rep.PeakRSS, _ = procmem.PeakRSS(0)
	return rep, nil
}

func actions(cs *changeset.Set) map[string]int {
	out := map[string]int{}
	for _, c := range cs.Changes {
		out[string(c.Action)]++
	}
	return out
}
