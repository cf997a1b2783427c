// Package bench is Tugboat's scale harness. For each size it generates that
// many objects (ConfigMaps, Services and Deployments, in thirds) and, each
// on a fresh local cluster, measures the raw limit (a tight concurrent
// server-side apply loop), Tugboat's first apply, no-op re-apply and
// one-object change, and kubectl apply --server-side as a reference. The
// result is a markdown table per size; see README.md for the method.
package bench

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/tugboat-gitops/tugboat/bench/reqcount"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// Options configure Run.
type Options struct {
	// Sizes are the object counts to measure.
	Sizes []int
	// Concurrency is the number of raw-loop workers and Tugboat's
	// requests in flight (default 32).
	Concurrency int
	// Helper is a built tugapply binary (default: built into a temporary
	// directory).
	Helper string
	// Repeat measures the raw limit and the first apply this many times,
	// each on a fresh cluster, and keeps the median of each (default 1).
	Repeat int
	// Kubectl runs the kubectl reference if kubectl is on the PATH.
	Kubectl bool
	// SettleTimeout bounds the wait for every Deployment to be Available
	// before the no-op re-apply (default 10m).
	SettleTimeout time.Duration
	// RunTimeout bounds each measured run (default 10m).
	RunTimeout time.Duration
	// Log receives progress (default: discarded).
	Log io.Writer
}

// Row is one measured run.
type Row struct {
	Wall time.Duration
	// ApplyTime is the time inside pipeline.Apply, for tug rows, and
	// FirstWrite the part of it before the first object was written.
	ApplyTime, FirstWrite time.Duration
	// Objects is the number of generated objects (the Namespace aside).
	Objects  int
	Result   string
	Requests reqcount.Counts
	// PeakRSS is the peak resident memory of the process, in bytes; 0 if
	// not measured.
	PeakRSS int64
	// Err is the run's error, verbatim.
	Err string
}

// SizeResult holds the rows of one size.
type SizeResult struct {
	N       int
	Workers int
	// Raw and First are the medians of RawRuns and FirstRuns, the wall
	// times of every repetition.
	Raw, First, NoOp, Change Row
	RawRuns, FirstRuns       []time.Duration
	Kubectl                  *Row
	KubectlMissing           bool
	// SettleTime is how long the cluster took to have every Deployment
	// Available before the no-op; Settled is false if it never did.
	SettleTime         time.Duration
	Settled, TugFailed bool
}

// Run measures every size in turn.
func Run(ctx context.Context, opts Options) ([]*SizeResult, error) {
	opts = opts.withDefaults()
	tmp, err := os.MkdirTemp("", "tugboat-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if opts.Helper == "" {
		fmt.Fprintln(opts.Log, "building the tugapply helper")
		if opts.Helper, err = BuildHelper(ctx, tmp); err != nil {
			return nil, err
		}
	}
	h := &harness{opts: opts, tmp: tmp}
	var out []*SizeResult
	for _, n := range opts.Sizes {
		res, err := h.size(ctx, n)
		if err != nil {
			return out, fmt.Errorf("%d objects: %w", n, err)
		}
		out = append(out, res)
	}
	return out, nil
}

func (o Options) withDefaults() Options {
	if o.Concurrency <= 0 {
		o.Concurrency = 32
	}
	if o.Repeat <= 0 {
		o.Repeat = 1
	}
	if o.SettleTimeout <= 0 {
		o.SettleTimeout = 10 * time.Minute
	}
	if o.RunTimeout <= 0 {
		o.RunTimeout = 10 * time.Minute
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o
}

type harness struct {
	opts Options
	tmp  string
}

// size measures n objects: raw, tug and kubectl each on a fresh cluster.
func (h *harness) size(ctx context.Context, n int) (*SizeResult, error) {
	// tug changes a file of its copy; kubectl gets the original set.
	tugDir, kubectlDir := filepath.Join(h.tmp, fmt.Sprint("tug-", n)), filepath.Join(h.tmp, fmt.Sprint("kubectl-", n))
	for _, dir := range []string{tugDir, kubectlDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if err := WriteManifests(dir, n); err != nil {
			return nil, err
		}
	}
	res := &SizeResult{N: n, Workers: h.opts.Concurrency}
	if err := h.pairs(ctx, res, tugDir); err != nil {
		return nil, err
	}
	if !h.opts.Kubectl {
		return res, nil
	}
	path, err := exec.LookPath("kubectl")
	if err != nil {
		res.KubectlMissing = true
		return res, nil
	}
	err = h.onCluster(ctx, "kubectl", n, func(c *testenv.Cluster) error { return h.kubectl(ctx, c, path, kubectlDir, res) })
	return res, err
}

// pairs measures the raw limit and tug's first apply, each on a fresh
// cluster, Repeat times, and keeps the median of each. The last tug cluster
// goes on to the no-op re-apply and the one-object change.
func (h *harness) pairs(ctx context.Context, res *SizeResult, dir string) error {
	var raws, firsts []Row
	for i := range h.opts.Repeat {
		firstOnly := i < h.opts.Repeat-1
		err := h.onCluster(ctx, "raw", res.N, func(c *testenv.Cluster) error {
			row, err := h.raw(ctx, c, res.N)
			raws = append(raws, row)
			return err
		})
		if err != nil {
			return err
		}
		err = h.onCluster(ctx, "tug", res.N, func(c *testenv.Cluster) error { return h.tug(ctx, c, dir, res, firstOnly) })
		if err != nil {
			return err
		}
		firsts = append(firsts, res.First)
		if res.TugFailed {
			break
		}
	}
	res.Raw, res.RawRuns = median(raws)
	res.First, res.FirstRuns = median(firsts)
	return nil
}

// median returns the row of median wall time (the lower of the two middle
// ones for an even count) and the wall times of all, in run order.
func median(rows []Row) (Row, []time.Duration) {
	walls := make([]time.Duration, len(rows))
	for i, r := range rows {
		walls[i] = r.Wall
	}
	sorted := slices.Clone(rows)
	slices.SortStableFunc(sorted, func(a, b Row) int { return cmp.Compare(a.Wall, b.Wall) })
	return sorted[(len(sorted)-1)/2], walls
}

// onCluster runs f on a fresh cluster and stops it after; its logs are
// kept when f fails.
func (h *harness) onCluster(ctx context.Context, role string, n int, f func(*testenv.Cluster) error) error {
	name := fmt.Sprintf("bench-%s-%d", role, n)
	fmt.Fprintf(h.opts.Log, "%s: starting a fresh cluster\n", name)
	c, err := testenv.StartCluster(ctx, testenv.ClusterOptions{Name: name, Progress: h.opts.Log})
	if err != nil {
		return err
	}
	err = f(c)
	if err != nil {
		c.Keep()
		err = fmt.Errorf("%s: %w (component logs kept in %s)", name, err, c.LogDir)
	}
	if serr := c.Stop(); serr != nil && err == nil {
		err = serr
	}
	return err
}
