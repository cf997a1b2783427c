// Command tug is Tugboat's command-line interface: GitOps continuous
// deployment for Kubernetes.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/tugboat-gitops/tugboat/internal/cli"
)

func main() {
	// A cancelled context lets a command stop its requests and say so,
	// instead of dying halfway through an apply.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, cli.NewRootCommand(cli.StdStreams()))
	stop()
	os.Exit(code)
}
