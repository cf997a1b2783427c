// Command tugapply applies a directory of manifests to a cluster once, with
// Tugboat's engine, and prints what it did as JSON: time, change summary and
// API requests by verb. The scale harness (bench/cmd/scale) runs it as a
// child process to read the peak memory of one apply.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/tugboat-gitops/tugboat/bench/tugapply"
)

func main() {
	var opts tugapply.Options
	flag.StringVar(&opts.Kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the destination cluster")
	flag.StringVar(&opts.Dir, "dir", "", "directory of manifests to apply")
	flag.StringVar(&opts.App, "app", "bench", "app name")
	flag.IntVar(&opts.Concurrency, "concurrency", 0, "requests in flight (0: the engine's default)")
	flag.StringVar(&opts.CacheDir, "cache-dir", "", "pipeline cache directory (default: the user cache dir)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := tugapply.Run(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tugapply:", err)
		os.Exit(2)
	}
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		fmt.Fprintln(os.Stderr, "tugapply:", err)
		os.Exit(2)
	}
	if rep.Error != "" {
		os.Exit(1)
	}
}
