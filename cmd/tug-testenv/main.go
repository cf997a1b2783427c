// Command tug-testenv starts Tugboat's local environment by hand: Kubernetes
// control planes with fake nodes, a git server and an OCI registry, all on
// loopback.
//
//	tug-testenv build   build (or find cached) the control plane binaries
//	tug-testenv up      start the environment and wait for Ctrl-C
//	tug-testenv demo    start it and tell Tugboat's story on it, then stop
//	tug-testenv demo-up the same, then keep everything running until Ctrl-C
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "tug-testenv:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: tug-testenv build|up|demo|demo-up [flags]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	clusters := fs.Int("clusters", 1, "number of clusters")
	nodes := fs.Int("nodes", 1, "fake nodes per cluster")
	envFile := fs.String("env-file", "tugboat-testenv.sh", "with up and demo-up: where to write the shell exports")
	tug := fs.String("tug", "", "with demo: a tug binary to use instead of building ./cmd/tug")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	opts := testenv.EnvOptions{Clusters: *clusters, Nodes: *nodes, Progress: os.Stderr}
	switch args[0] {
	case "build":
		dir, err := testenv.EnsureBinaries(ctx, testenv.VersionsFromEnv(), os.Stderr)
		if err == nil {
			fmt.Println(dir)
		}
		return err
	case "up":
		return up(ctx, opts, *envFile)
	case "demo", "demo-up":
		return demo(ctx, opts, demoOptions{Tug: *tug, Keep: args[0] == "demo-up", EnvFile: *envFile})
	default:
		return fmt.Errorf("unknown command %q: want build, up, demo or demo-up", args[0])
	}
}

func up(ctx context.Context, opts testenv.EnvOptions, envFile string) error {
	env, err := testenv.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer env.Stop()
	if err := env.WriteEnvFile(envFile); err != nil {
		return err
	}
	printEnv(os.Stdout, env, envFile)
	fmt.Println("Ctrl-C stops everything.")
	<-ctx.Done()
	return nil
}

// printEnv says where the environment's parts are (up and demo-up).
func printEnv(w io.Writer, env *testenv.Env, envFile string) {
	for _, c := range env.Clusters {
		fmt.Fprintf(w, "cluster %s: %s (kubeconfig %s, logs %s)\n", c.Name, c.Server, c.Kubeconfig, c.LogDir)
	}
	fmt.Fprintf(w, "git:      %s and %s\n", env.Git.HTTPURL("<repo>"), env.Git.SSHURL("<repo>"))
	fmt.Fprintf(w, "registry: %s\n", env.Registry.Host)
	fmt.Fprintf(w, "credentials and KUBECONFIG: source %s\n", envFile)
}
