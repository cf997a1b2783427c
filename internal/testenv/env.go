package testenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// EnvOptions configures Start. The zero value starts one cluster with one
// node, a git server and a registry.
type EnvOptions struct {
	// Clusters is the number of control planes (default 1), named
	// tugboat-0, tugboat-1, ...
	Clusters int
	// Nodes is the number of fake nodes per cluster (default 1).
	Nodes int
	// NoGit and NoRegistry leave those servers out.
	NoGit, NoRegistry bool
	// Progress receives the output of a first-time build of the binaries.
	Progress io.Writer
}

// Env is a whole local environment: clusters, a git server and a registry.
type Env struct {
	Clusters []*Cluster
	Git      *GitServer
	Registry *Registry
}

// Start starts the environment, stopping what it started if any part fails.
func Start(ctx context.Context, opts EnvOptions) (env *Env, err error) {
	if opts.Clusters <= 0 {
		opts.Clusters = 1
	}
	bin, err := EnsureBinaries(ctx, VersionsFromEnv(), opts.Progress)
	if err != nil {
		return nil, err
	}
	env = &Env{}
	defer func() {
		if err != nil {
			env.Stop()
		}
	}()
	for i := range opts.Clusters {
		c, err := StartCluster(ctx, ClusterOptions{Name: "tugboat-" + strconv.Itoa(i), Nodes: opts.Nodes})
		if err != nil {
			return nil, err
		}
		env.Clusters = append(env.Clusters, c)
	}
	if !opts.NoGit {
		if env.Git, err = StartGitServer(GitServerOptions{}); err != nil {
			return nil, err
		}
	}
	if !opts.NoRegistry {
		if env.Registry, err = StartRegistry(RegistryOptions{BinDir: bin}); err != nil {
			return nil, err
		}
	}
	return env, nil
}

// Stop stops every part; it is safe on a partly started Env.
func (e *Env) Stop() error {
	var errs []error
	if e.Registry != nil {
		e.Registry.Stop()
	}
	if e.Git != nil {
		e.Git.Stop()
	}
	for _, c := range e.Clusters {
		errs = append(errs, c.Stop())
	}
	return errors.Join(errs...)
}

// WriteEnvFile writes a shell file exporting how to reach the environment
// (KUBECONFIG, git URLs and credentials, registry host and credentials), for
// `source` in another terminal. It holds secrets: mode 0600.
func (e *Env) WriteEnvFile(path string) error {
	var b strings.Builder
	var kubeconfigs []string
	for _, c := range e.Clusters {
		kubeconfigs = append(kubeconfigs, c.Kubeconfig)
	}
	export := func(k, v string) { fmt.Fprintf(&b, "export %s=%s\n", k, strconv.Quote(v)) }
	export("KUBECONFIG", strings.Join(kubeconfigs, string(filepath.ListSeparator)))
	if g := e.Git; g != nil {
		export("TUGBOAT_GIT_HTTP", strings.TrimSuffix(g.HTTPURL("x"), "/x.git"))
		export("TUGBOAT_GIT_SSH", strings.TrimSuffix(g.SSHURL("x"), "/x.git"))
		export("TUGBOAT_GIT_USERNAME", g.Username)
		export("TUGBOAT_GIT_PASSWORD", g.Password)
		export("TUGBOAT_GIT_TOKEN", g.Token)
		export("GIT_SSH_COMMAND", g.GitSSHCommand())
	}
	if r := e.Registry; r != nil {
		export("TUGBOAT_REGISTRY", r.Host)
		export("TUGBOAT_REGISTRY_USERNAME", r.Username)
		export("TUGBOAT_REGISTRY_PASSWORD", r.Password)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("write env file %s: %w", path, err)
	}
	return nil
}
