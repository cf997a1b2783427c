package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/install"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
	"github.com/tugboat-gitops/tugboat/internal/source"
)

// installOptions are tug install's flags.
type installOptions struct {
	image                string
	export, noWait       bool
	timeout              time.Duration
	noResolve            bool
	registry             install.Registry
	registryUser         string
	registryPasswordFile string
}

// resolveTimeout bounds the registry lookup of --image's digest, so that
// an unreachable registry fails the install instead of hanging it.
const resolveTimeout = time.Minute

func newInstallCommand(g *GlobalOptions) *cobra.Command {
	var o installOptions
	cmd := &cobra.Command{
		Use:   "install --image REF",
		Short: "Install the controller and its CRD in a cluster (or print them with --export)",
		Long: `Apply the Application CRD, the tugboat-system namespace, the controller's
ServiceAccount and RBAC, its Deployment running --image, and a
MutatingAdmissionPolicy that adds the prune finalizer to new Applications
(left out on a cluster before Kubernetes 1.36, where the controller adds
it), as the app "tugboat", with the same engine as tug apply: a second
install changes nothing, a new image rolls the Deployment. --export
prints the objects.

A tag in --image is resolved to its digest in the registry, so that the
Deployment names one immutable image (repository@sha256:...): credentials
come from the Docker config (~/.docker/config.json), or from
--registry-username and --registry-password-file. A reference by digest
is used as it is; --no-resolve keeps the tag.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			image, err := o.resolveImage(cmd.Context(), g.Streams.ErrOut)
			if err != nil {
				return err
			}
			objs, err := install.Objects(image)
			if err != nil {
				return err
			}
			if o.export {
				return writeObjects(g.Streams.Out, g.Output, objs)
			}
			return applyInstall(cmd, g, o, objs)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.image, "image", "", "the controller's image: by digest (what `make image` printed), or a tag to resolve to its digest")
	f.BoolVar(&o.export, "export", false, "print the objects instead of applying them")
	f.BoolVar(&o.noWait, "no-wait", false, "do not wait for the controller to be ready")
	f.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long to wait for the controller")
	f.BoolVar(&o.noResolve, "no-resolve", false, "keep a tag in --image as it is instead of resolving it to a digest (the tag may move)")
	f.StringVar(&o.registryUser, "registry-username", "", "user name for the registry of --image (default: the Docker config's credentials)")
	f.StringVar(&o.registryPasswordFile, "registry-password-file", "", "file holding the password or token for --registry-username")
	f.BoolVar(&o.registry.Insecure, "insecure-registry", false, "reach the registry of --image over plain HTTP (loopback registries are reached so anyway)")
	return cmd
}

// resolveImage returns --image by digest: as given when it names one,
// else resolved in the registry, unless --no-resolve, which warns that
// the tag may later name another image.
func (o installOptions) resolveImage(ctx context.Context, errOut io.Writer) (string, error) {
	ref, err := install.ParseImage(o.image, o.registry)
	if err != nil {
		return "", err
	}
	if ref.Pinned() {
		return ref.String(), nil
	}
	if o.noResolve {
		fmt.Fprintf(errOut, "warning: --image %s is a tag, which can be moved to another image: the controller may run something else after a restart; give a digest\n", ref)
		return ref.String(), nil
	}
	reg := o.registry
	if o.registryPasswordFile != "" && o.registryUser == "" {
		return "", fmt.Errorf("--registry-password-file needs --registry-username")
	}
	if o.registryUser != "" {
		creds, err := source.CredentialFiles{Username: o.registryUser, PasswordFile: o.registryPasswordFile}.Load()
		if err != nil {
			return "", fmt.Errorf("registry credentials: %w", err)
		}
		reg.Username, reg.Password = creds.Username, creds.Password
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	return ref.Pin(ctx, reg)
}

// policyTimeout bounds tug install's wait for the finalizer policy to
// take effect, some seconds after the CRD is first created.
const policyTimeout = 30 * time.Second

// applyInstall applies the installation as the app "tugboat", from a
// directory holding it, as tug apply would apply a checkout, less what
// the cluster does not serve of the optional finalizer policy.
func applyInstall(cmd *cobra.Command, g *GlobalOptions, o installOptions, objs []*object.Object) error {
	ctx := cmd.Context()
	c, err := cluster.Connect(g.Kubeconfig, g.Context)
	if err != nil {
		return err
	}
	objs, policy, err := servedObjects(ctx, c, objs, g.Streams.ErrOut)
	if err != nil {
		return err
	}
	dir, err := writeInstall(objs)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	app := pipeline.App{Name: install.App, Source: pipeline.SourceSpec{Dir: dir},
		Sync: pipeline.SyncOptions{Prune: true, Wait: !o.noWait, Timeout: o.timeout}}
	hooks, done := g.applyHooks()
	defer done()
	res, err := g.pipeline().Apply(ctx, app, c, hooks)
	if res != nil {
		fmt.Fprintf(g.Streams.Out, "tugboat on %s: %s\n", c.Name, res.ChangeSet.Summary())
	}
	if err != nil || !policy || o.noWait {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, policyTimeout)
	defer cancel()
	if err := install.WaitPolicy(ctx, c.Dynamic, inventory.Namespace); err != nil {
		fmt.Fprintf(g.Streams.ErrOut, "warning: %v (the controller adds the finalizer itself)\n", err)
	}
	return nil
}

// servedObjects leaves the finalizer policy out of objs when c does not
// serve its kinds (before Kubernetes 1.36), and says so on errOut; policy
// reports whether it stays in.
func servedObjects(ctx context.Context, c *cluster.Cluster, objs []*object.Object, errOut io.Writer) (kept []*object.Object, policy bool, err error) {
	_, served, err := c.Capabilities(ctx)
	if err != nil {
		return nil, false, err
	}
	kept, dropped := install.WithoutUnserved(objs, served)
	if len(dropped) > 0 {
		fmt.Fprintf(errOut, "finalizer policy skipped: %s does not serve admissionregistration.k8s.io/v1 MutatingAdmissionPolicy (Kubernetes 1.36+); the controller adds the tugboat.dev/prune finalizer itself\n", c.Name)
	}
	return kept, len(dropped) == 0, nil
}

// writeInstall writes objs to install.yaml in a new temporary directory,
// which the caller removes.
func writeInstall(objs []*object.Object) (string, error) {
	dir, err := os.MkdirTemp("", "tugboat-install-")
	if err != nil {
		return "", err
	}
	f, err := os.Create(filepath.Join(dir, "install.yaml"))
	if err == nil {
		err = writeObjects(f, OutputYAML, objs)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

func newUninstallCommand(g *GlobalOptions) *cobra.Command {
	var cascade bool
	cmd := &cobra.Command{
		Use:   "uninstall",
		Short: "Remove the controller and its CRD; the apps' objects stay unless --cascade",
		Long: `Remove what tug install applied. Without --cascade the apps' objects stay
as they are (their Applications are let go without pruning, and their
inventories in tugboat-system stay, so tug apply can take them over); with
--cascade every Application is deleted first and the controller prunes
what each owns.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cluster.Connect(g.Kubeconfig, g.Context)
			if err != nil {
				return err
			}
			if err := releaseApplications(cmd, c, cascade); err != nil {
				return err
			}
			hooks, done := g.applyHooks()
			defer done()
			res, err := g.pipeline().Delete(cmd.Context(), install.App, c, hooks)
			if res != nil {
				fmt.Fprintf(g.Streams.Out, "tugboat removed from %s: %s\n", c.Name, res.ChangeSet.Summary())
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&cascade, "cascade", false, "delete every Application first, and what each owns")
	return cmd
}

// releaseApplications readies the Applications for the CRD's deletion:
// with cascade it deletes them and waits while the controller prunes;
// without, it takes off the prune finalizer, so nothing is pruned.
func releaseApplications(cmd *cobra.Command, c *cluster.Cluster, cascade bool) error {
	ctx := cmd.Context()
	apps := c.Dynamic.Resource(applicationsResource)
	list, err := apps.List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil // no CRD, no Applications
	}
	for _, a := range list.Items {
		res := apps.Namespace(a.GetNamespace())
		if cascade {
			err = res.Delete(ctx, a.GetName(), metav1.DeleteOptions{})
		} else {
			_, err = res.Patch(ctx, a.GetName(), types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
		}
		if err != nil {
			return fmt.Errorf("Application %s/%s: %w", a.GetNamespace(), a.GetName(), err)
		}
	}
	if !cascade || len(list.Items) == 0 {
		return nil
	}
	err = wait.PollUntilContextTimeout(ctx, time.Second, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		left, err := apps.List(ctx, metav1.ListOptions{})
		return err == nil && len(left.Items) == 0, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the controller to prune the Applications: %w", err)
	}
	return nil
}
