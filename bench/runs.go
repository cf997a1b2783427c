package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

func (h *harness) raw(ctx context.Context, c *testenv.Cluster, n int) (Row, error) {
	row, err := h.timed(ctx, func(ctx context.Context) (Row, error) {
		return RawApply(ctx, c.Config, Objects(n), h.opts.Concurrency)
	})
	if err == nil {
		h.logRow("raw SSA", n, row)
	}
	return row, err
}

// tug runs the first apply and, unless firstOnly, waits for the cluster to
// settle, re-applies unchanged, then changes one ConfigMap and applies
// again.
func (h *harness) tug(ctx context.Context, c *testenv.Cluster, dir string, res *SizeResult, firstOnly bool) error {
	t := tugRun{
		helper: h.opts.Helper, kubeconfig: c.Kubeconfig, dir: dir,
		cacheDir: filepath.Join(h.tmp, "cache"), concurrency: h.opts.Concurrency,
	}
	steps := []struct {
		name   string
		row    *Row
		before func() error
	}{
		{"tug first apply", &res.First, nil},
		{"tug no-op re-apply", &res.NoOp, func() error {
			res.SettleTime, res.Settled = settle(ctx, c.Config, h.opts.SettleTimeout)
			fmt.Fprintf(h.opts.Log, "%d objects: settled=%v after %s\n", res.N, res.Settled, res.SettleTime.Round(time.Second))
			return nil
		}},
		{"tug one change", &res.Change, func() error { return ChangeOne(dir, "changed") }},
	}
	if firstOnly {
		steps = steps[:1]
	}
	for _, s := range steps {
		if s.before != nil {
			if err := s.before(); err != nil {
				return err
			}
		}
		row, err := h.timed(ctx, func(ctx context.Context) (Row, error) { return t.run(ctx, res.N) })
		if err != nil {
			return err
		}
		*s.row = row
		h.logRow(s.name, res.N, row)
		if row.Err != "" {
			res.TugFailed = true
			return nil
		}
	}
	return nil
}

func (h *harness) kubectl(ctx context.Context, c *testenv.Cluster, path, dir string, res *SizeResult) error {
	k := kubectlRun{path: path, kubeconfig: c.Kubeconfig, dir: dir}
	row, err := h.timed(ctx, func(ctx context.Context) (Row, error) { return k.run(ctx, res.N) })
	if err != nil {
		return err
	}
	res.Kubectl = &row
	h.logRow("kubectl", res.N, row)
	return nil
}

func (h *harness) timed(ctx context.Context, f func(context.Context) (Row, error)) (Row, error) {
	ctx, cancel := context.WithTimeout(ctx, h.opts.RunTimeout)
	defer cancel()
	return f(ctx)
}

func (h *harness) logRow(name string, n int, r Row) {
	fmt.Fprintf(h.opts.Log, "%d objects: %s: %.2f s, %s; %s; peak RSS %s MB\n",
		n, name, r.Wall.Seconds(), r.Result, r.Requests, megabytes(r.PeakRSS))
	if r.Err != "" {
		fmt.Fprintf(h.opts.Log, "%d objects: %s failed: %s\n", n, name, r.Err)
	}
}
