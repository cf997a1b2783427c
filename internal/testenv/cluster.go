package testenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// ClusterOptions configures StartCluster. The zero value starts one fake node
// with DefaultVersions in a new temporary directory.
type ClusterOptions struct {
	// Name labels the cluster in kubeconfig and log paths.
	Name string
	// Nodes is the number of kwok-managed fake nodes (default 1).
	Nodes int
	// Versions selects the binaries (default VersionsFromEnv()).
	Versions Versions
	// Dir holds certificates, etcd data, kubeconfigs and logs (default: a new
	// temporary directory, removed by Stop unless KeepDir is set).
	Dir     string
	KeepDir bool
	// Progress receives the output of a first-time build of the binaries.
	Progress io.Writer
	// StartTimeout bounds the start of the components (default 90s).
	StartTimeout time.Duration
	// Profiling serves the API server's /debug/pprof, for benchmarks.
	Profiling bool
}

// Cluster is a running local control plane.
type Cluster struct {
	Name string
	// Dir holds everything the cluster writes; LogDir the component logs.
	Dir, LogDir string
	// Kubeconfig is the path of an admin kubeconfig (context Name).
	Kubeconfig string
	// Server is the API server URL.
	Server string
	// Config is an admin client configuration with client rate limits off.
	Config *rest.Config

	pki     *pki
	procs   []*process
	ownsDir bool
	keepDir bool
}

// StartCluster starts etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok on free loopback ports and returns once the API
// server is ready, the fake nodes are Ready and the default ServiceAccount
// exists, so a Deployment created right away becomes Available.
func StartCluster(ctx context.Context, opts ClusterOptions) (*Cluster, error) {
	opts = opts.withDefaults()
	bin, err := EnsureBinaries(ctx, opts.Versions, opts.Progress)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Name: opts.Name, Dir: opts.Dir, keepDir: opts.KeepDir}
	if c.Dir == "" {
		if c.Dir, err = os.MkdirTemp("", "tugboat-"+opts.Name+"-"); err != nil {
			return nil, fmt.Errorf("cluster %s: %w", opts.Name, err)
		}
		c.ownsDir = true
	}
	c.LogDir = filepath.Join(c.Dir, "logs")
	if err := os.MkdirAll(c.LogDir, 0o755); err != nil {
		return nil, fmt.Errorf("cluster %s: %w", opts.Name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	if err := c.start(ctx, bin, opts.Nodes, opts.Profiling); err != nil {
		c.stopProcesses()
		return nil, fmt.Errorf("start cluster %s (component logs kept in %s): %w", opts.Name, c.LogDir, err)
	}
	return c, nil
}

func (o ClusterOptions) withDefaults() ClusterOptions {
	if o.Name == "" {
		o.Name = "tugboat"
	}
	if o.Nodes <= 0 {
		o.Nodes = 1
	}
	if o.Versions == (Versions{}) {
		o.Versions = VersionsFromEnv()
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 90 * time.Second
	}
	return o
}

func (c *Cluster) start(ctx context.Context, bin string, nodes int, profiling bool) error {
	var err error
	if c.pki, err = newPKI(c.Dir); err != nil {
		return err
	}
	etcdURL, err := c.startEtcd(ctx, bin)
	if err != nil {
		return err
	}
	if err := c.startAPIServer(ctx, bin, etcdURL, profiling); err != nil {
		return err
	}
	for _, start := range []func(context.Context, string) error{c.startControllerManager, c.startScheduler, c.startKwok} {
		if err := start(ctx, bin); err != nil {
			return err
		}
	}
	if err := c.createNodes(ctx, nodes); err != nil {
		return err
	}
	return c.waitSchedulable(ctx)
}

// Clientset returns an admin clientset.
func (c *Cluster) Clientset() kubernetes.Interface {
	return kubernetes.NewForConfigOrDie(c.Config)
}

// Stop ends every component and removes the cluster's directory, unless it
// was given by the caller or KeepDir was set.
func (c *Cluster) Stop() error {
	c.stopProcesses()
	if c.ownsDir && !c.keepDir {
		if err := os.RemoveAll(c.Dir); err != nil {
			return fmt.Errorf("remove cluster %s dir: %w", c.Name, err)
		}
	}
	return nil
}

// Keep makes Stop leave the directory, with its logs, in place.
func (c *Cluster) Keep() { c.keepDir = true }

func (c *Cluster) stopProcesses() {
	// Reverse order: kwok and the controllers before the API server, etcd last.
	for i := len(c.procs) - 1; i >= 0; i-- {
		c.procs[i].stop(10 * time.Second)
	}
	c.procs = nil
}

// Healthy returns an error naming the first component that has exited.
func (c *Cluster) Healthy() error {
	var errs []error
	for _, p := range c.procs {
		if err := p.exited(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ComponentCPU returns the CPU time each running component has used so
// far, read from /proc: the difference of two calls is what a benchmark
// cost the control plane.
func (c *Cluster) ComponentCPU() map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, p := range c.procs {
		if cpu, err := processCPU(p.cmd.Process.Pid); err == nil {
			out[p.name] = cpu
		}
	}
	return out
}

// ComponentMemory returns the resident memory of each running component, in
// bytes, read from /proc.
func (c *Cluster) ComponentMemory() map[string]int64 {
	out := map[string]int64{}
	for _, p := range c.procs {
		if rss, err := processRSS(p.cmd.Process.Pid); err == nil {
			out[p.name] = rss
		}
	}
	return out
}
