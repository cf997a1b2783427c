// Command scale is Tugboat's scale harness (make bench): for each size it
// measures the raw server-side apply limit, Tugboat's first apply, no-op
// re-apply and one-object change, and kubectl apply --server-side, each on
// a fresh local cluster, and prints a markdown table per size.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/tugboat-gitops/tugboat/bench"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(2)
	}
}

func run() error {
	sizes := flag.String("sizes", "1000,5000", "comma-separated object counts (200 for a quick smoke run)")
	out := flag.String("out", "", "also write the tables to this file")
	opts := bench.Options{Log: os.Stderr}
	flag.IntVar(&opts.Concurrency, "concurrency", 32, "raw-loop workers and Tugboat's requests in flight")
	flag.IntVar(&opts.Repeat, "repeat", 1, "measure the raw limit and the first apply this many times (fresh clusters), keep the medians")
	flag.BoolVar(&opts.Kubectl, "kubectl", true, "run the kubectl reference when kubectl is installed")
	flag.DurationVar(&opts.SettleTimeout, "settle-timeout", 10*time.Minute, "wait at most this long for Deployments to be Available before the no-op")
	flag.DurationVar(&opts.RunTimeout, "run-timeout", 10*time.Minute, "bound each measured run")
	flag.StringVar(&opts.Helper, "helper", "", "a built bench/cmd/tugapply (default: built now)")
	flag.Parse()
	var err error
	if opts.Sizes, err = parseSizes(*sizes); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if _, err := testenv.EnsureBinaries(ctx, testenv.VersionsFromEnv(), os.Stderr); err != nil {
		return err
	}
	start := time.Now()
	results, err := bench.Run(ctx, opts)
	var buf bytes.Buffer
	header(&buf, time.Since(start))
	bench.Markdown(&buf, results)
	os.Stdout.Write(buf.Bytes())
	if *out != "" {
		if werr := os.WriteFile(*out, buf.Bytes(), 0o644); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

func parseSizes(s string) ([]int, error) {
	var sizes []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 3 {
			return nil, fmt.Errorf("-sizes %q: want counts of at least 3, comma-separated", s)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// header describes the machine and the code measured.
func header(w io.Writer, took time.Duration) {
	rev, _ := exec.Command("git", "describe", "--always", "--dirty").Output()
	fmt.Fprintf(w, "Measured %s on %d CPUs (%s), %s, Kubernetes %s (local control plane, kwok nodes), engine at %s; the whole run took %s.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), runtime.GOARCH, runtime.Version(),
		testenv.VersionsFromEnv().Kubernetes, strings.TrimSpace(string(rev)), took.Round(time.Second))
}
