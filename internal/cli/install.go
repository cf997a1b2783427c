package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/install"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
)

func newInstallCommand(g *GlobalOptions) *cobra.Command {
	var image string
	var export, noWait bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "install --image REF",
		Short: "Install the controller and its CRD in a cluster (or print them with --export)",
		Long: `Apply the Application CRD, the tugboat-system namespace, the controller's
ServiceAccount and RBAC, and its Deployment running --image, as the app
"tugboat", with the same engine as tug apply: a second install changes
nothing, a new image rolls the Deployment. --export prints the objects.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			objs, err := install.Objects(image)
			if err != nil {
				return err
			}
			if export {
				return writeObjects(g.Streams.Out, g.Output, objs)
			}
			dir, err := os.MkdirTemp("", "tugboat-install-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			f, err := os.Create(filepath.Join(dir, "install.yaml"))
			if err != nil {
				return err
			}
			err = writeObjects(f, OutputYAML, objs)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			c, err := cluster.Connect(g.Kubeconfig, g.Context)
			if err != nil {
				return err
			}
			app := pipeline.App{Name: install.App, Source: pipeline.SourceSpec{Dir: dir},
				Sync: pipeline.SyncOptions{Prune: true, Wait: !noWait, Timeout: timeout}}
			hooks, done := g.applyHooks()
			defer done()
			res, err := g.pipeline().Apply(cmd.Context(), app, c, hooks)
			if res != nil {
				fmt.Fprintf(g.Streams.Out, "tugboat on %s: %s\n", c.Name, res.ChangeSet.Summary())
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&image, "image", "", "the controller's image, by digest (what `make image` printed)")
	f.BoolVar(&export, "export", false, "print the objects instead of applying them")
	f.BoolVar(&noWait, "no-wait", false, "do not wait for the controller to be ready")
	f.DurationVar(&timeout, "timeout", 5*time.Minute, "how long to wait for the controller")
	return cmd
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
