// Package testenv starts, on loopback, the real parts Tugboat's integration
// tests, benchmarks and demo run against: Kubernetes control planes (etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler and kwok), a git
// server speaking smart HTTP and SSH, and an OCI registry, each with auth.
package testenv

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// Versions selects the builds of the control plane and registry. Each is a
// single setting so an older Kubernetes can be tried by changing one field.
type Versions struct {
	Kubernetes string
	Etcd       string
	Kwok       string
	Registry   string
}

// DefaultVersions is what tests run against: the newest Kubernetes minor that
// builds with the Go toolchain of this module.
var DefaultVersions = Versions{
	Kubernetes: "1.37.2",
	Etcd:       "3.6.16",
	Kwok:       "0.7.0",
	Registry:   "3.1.2",
}

// VersionsFromEnv returns DefaultVersions with any of TUGBOAT_K8S_VERSION,
// TUGBOAT_ETCD_VERSION, TUGBOAT_KWOK_VERSION, TUGBOAT_REGISTRY_VERSION applied.
func VersionsFromEnv() Versions {
	v := DefaultVersions
	for env, field := range map[string]*string{
		"TUGBOAT_K8S_VERSION":      &v.Kubernetes,
		"TUGBOAT_ETCD_VERSION":     &v.Etcd,
		"TUGBOAT_KWOK_VERSION":     &v.Kwok,
		"TUGBOAT_REGISTRY_VERSION": &v.Registry,
	} {
		if s := os.Getenv(env); s != "" {
			*field = s
		}
	}
	return v
}

func (v Versions) key() string {
	return fmt.Sprintf("k8s-v%s-etcd-v%s-kwok-v%s-registry-v%s", v.Kubernetes, v.Etcd, v.Kwok, v.Registry)
}

//go:embed scripts/build-binaries.sh
var buildScript []byte

// BinDir is where the binaries of v are cached: under the user cache dir, or
// TUGBOAT_TESTENV_CACHE when set.
func BinDir(v Versions) (string, error) {
	root := os.Getenv("TUGBOAT_TESTENV_CACHE")
	if root == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("testenv cache dir: %w", err)
		}
		root = filepath.Join(cache, "tugboat", "testenv")
	}
	return filepath.Join(root, v.key()), nil
}

// EnsureBinaries returns the directory holding etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kwok and registry for v, building
// them from the Go module proxy first if they are not cached (about 12 minutes
// on 2 cores). Concurrent callers, in this process or others, build once.
func EnsureBinaries(ctx context.Context, v Versions, progress io.Writer) (string, error) {
	dir, err := BinDir(v)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("testenv cache dir: %w", err)
	}
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("testenv build lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("testenv build lock: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck

	if progress == nil {
		progress = io.Discard
	}
	var tail bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", "-s", "--", dir)
	cmd.Stdin = bytes.NewReader(buildScript)
	cmd.Stdout = io.MultiWriter(progress, &tail)
	cmd.Stderr = cmd.Stdout
	cmd.Env = append(os.Environ(),
		"K8S_VERSION="+v.Kubernetes, "ETCD_VERSION="+v.Etcd,
		"KWOK_VERSION="+v.Kwok, "REGISTRY_VERSION="+v.Registry)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build test environment binaries into %s: %w\n%s", dir, err, lastLines(tail.String(), 30))
	}
	return dir, nil
}
