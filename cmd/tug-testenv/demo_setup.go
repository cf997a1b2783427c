package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// The names the story uses; examples/guestbook declares the same.
const (
	demoNamespace = "tugboat-demo" // Applications, the ImagePolicy, Secrets
	demoRepo      = "guestbook"    // the environment repository
	frontendRepo  = "guestbook/frontend"
	stagingApp    = "guestbook-staging"
	productionApp = "guestbook-production"
	redisApp      = "redis-staging"
	stagingNS     = "guestbook-staging"
	productionNS  = "guestbook-production"
	deployName    = "guestbook"
	// stagingKustomization is where commits scale staging and the
	// controller writes its image tag.
	stagingKustomization = "apps/guestbook/overlays/staging/kustomization.yaml"
)

// The example's stand-ins for the local registry and git server, replaced
// when the demo makes the repository from examples/guestbook.
const (
	placeholderRegistry = "registry.example.com"
	placeholderRepoURL  = "https://git.example.com/guestbook.git"
)

// demoRun is the state the steps share.
type demoRun struct {
	out     io.Writer
	envOpts testenv.EnvOptions
	opts    demoOptions

	dir     string // scratch: the tug binary, controller log and cache
	tugPath string
	env     *testenv.Env
	cluster *testenv.Cluster
	kube    kubernetes.Interface
	dyn     dynamic.Interface
	wt      *testenv.WorkTree
	// repoURL is the environment repository over HTTP, without
	// credentials: the Applications read theirs from a Secret.
	repoURL string
	// image is the frontend's repository in the local registry.
	image string

	controller *controllerProcess
	hookURL    string
	hookToken  string
}

// setup builds tug, starts the environment, makes the environment
// repository, installs Tugboat and starts the controller.
func (d *demoRun) setup(ctx context.Context) (string, error) {
	dir, err := os.MkdirTemp("", "tugboat-demo-")
	if err != nil {
		return "", err
	}
	d.dir = dir
	if err := d.buildTug(ctx); err != nil {
		return "", err
	}
	start := time.Now()
	if d.env, err = testenv.Start(ctx, d.envOpts); err != nil {
		return "", fmt.Errorf("start the environment: %w", err)
	}
	d.cluster = d.env.Clusters[0]
	d.kube = d.cluster.Clientset()
	if d.dyn, err = dynamic.NewForConfig(d.cluster.Config); err != nil {
		return "", err
	}
	d.say("cluster, git server and registry up on loopback in %.1fs", time.Since(start).Seconds())
	d.say("export KUBECONFIG=%s", d.cluster.Kubeconfig)
	d.image = d.env.Registry.Host + "/" + frontendRepo
	d.repoURL = d.env.Git.HTTPURL(demoRepo)
	for _, f := range []func(context.Context) error{d.createRepo, d.install, d.bootstrap, d.startController} {
		if err := f(ctx); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("environment up in %.0fs", time.Since(start).Seconds()), nil
}

// buildTug builds ./cmd/tug of this module, unless given a binary.
func (d *demoRun) buildTug(ctx context.Context) error {
	if d.opts.Tug != "" {
		d.tugPath = d.opts.Tug
		d.say("using %s", d.tugPath)
		return nil
	}
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	d.tugPath = filepath.Join(d.dir, "bin", "tug")
	d.command("go build -o %s ./cmd/tug", d.tugPath)
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", d.tugPath, "./cmd/tug")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/tug: %w\n%s", err, out)
	}
	d.say("built in %.1fs", time.Since(start).Seconds())
	return nil
}

// moduleRoot is the directory of this module's go.mod, found from the
// working directory up: go run and go test both start inside it.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(data), "module github.com/tugboat-gitops/tugboat\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run the demo inside the tugboat module: no go.mod of it above the working directory")
		}
		dir = parent
	}
}

// createRepo makes the environment repository from examples/guestbook,
// pointing it at the local registry and git server, and pushes the
// frontend's first image.
func (d *demoRun) createRepo(ctx context.Context) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	src := filepath.Join(d.dir, "guestbook")
	repl := strings.NewReplacer(placeholderRepoURL, d.repoURL, placeholderRegistry, d.env.Registry.Host)
	if err := copyTree(filepath.Join(root, "examples", "guestbook"), src, repl); err != nil {
		return err
	}
	if err := d.env.Git.CreateRepo(demoRepo, src); err != nil {
		return err
	}
	if d.wt, err = d.env.Git.Clone(demoRepo); err != nil {
		return err
	}
	d.say("environment repository %s, from examples/guestbook", d.repoURL)
	files, err := d.git(ctx, "ls-files")
	if err != nil {
		return err
	}
	d.show(files)
	d.say("CI pushes the frontend's first image, %s:1.0.0", d.image)
	_, err = d.env.Registry.PushRandomImage(ctx, frontendRepo, "1.0.0")
	return err
}

// copyTree copies the regular files below src to dst through repl, but
// README.md: it describes the example, placeholders and all.
func copyTree(src, dst string, repl *strings.Replacer) error {
	return filepath.WalkDir(src, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || e.Name() == "README.md" {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, []byte(repl.Replace(string(data))), 0o644)
	})
}

// install runs tug install. kwok's pods run no containers, so its
// Deployment's image is a stand-in pushed by digest; the controller that
// works runs as a local process (startController).
func (d *demoRun) install(ctx context.Context) error {
	digest, err := d.env.Registry.PushRandomImage(ctx, "tugboat/tug", "demo")
	if err != nil {
		return err
	}
	d.say("install the CRDs, RBAC and the controller's Deployment (a stand-in: kwok runs no containers)")
	_, err = d.tug(ctx, "install", "--image", d.env.Registry.Host+"/tugboat/tug@"+digest, "--timeout", "1m")
	return err
}

// bootstrap applies clusters/local (namespaces, Applications, the
// ImagePolicy) in push mode, and the Secrets no repository may hold.
func (d *demoRun) bootstrap(ctx context.Context) error {
	d.say("apply the Applications and the ImagePolicy of clusters/local, from the checkout")
	if _, err := d.tugIn(ctx, d.wt.Dir, "apply", "--app", "bootstrap"); err != nil {
		return err
	}
	d.say("their credentials, never in git (client-go; passwords not shown)")
	secrets := map[string]map[string]string{
		"git-credentials": {"username": d.env.Git.Username, "password": d.env.Git.Password},
		"registry":        {"username": d.env.Registry.Username, "password": d.env.Registry.Password},
	}
	for _, name := range []string{"git-credentials", "registry"} {
		d.command("kubectl -n %s create secret generic %s --from-literal=username=%s --from-literal=password=***", demoNamespace, name, secrets[name]["username"])
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: demoNamespace}, StringData: secrets[name]}
		if _, err := d.kube.CoreV1().Secrets(demoNamespace).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("secret %s: %w", name, err)
		}
	}
	return nil
}

// stop stops what the demo started. After a failure it keeps the logs
// and says where they are.
func (d *demoRun) stop(failed bool) error {
	if d.controller != nil {
		d.controller.stop()
	}
	var err error
	if d.env != nil {
		if failed {
			for _, c := range d.env.Clusters {
				c.Keep()
				fmt.Fprintf(d.out, "cluster logs kept in %s\n", c.LogDir)
			}
		}
		err = d.env.Stop()
	}
	if d.dir != "" {
		if failed {
			fmt.Fprintf(d.out, "controller log and scratch files kept in %s\n", d.dir)
		} else {
			os.RemoveAll(d.dir)
		}
	}
	return err
}
