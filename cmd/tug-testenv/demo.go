package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// demo starts the environment and shows, as kubectl would, that each part
// works: nodes Ready, a Deployment Available with Running pods, a Service
// with a ClusterIP, a git repository cloned over HTTP and SSH, and an image
// pushed to the registry.
func demo(ctx context.Context, opts testenv.EnvOptions) error {
	start := time.Now()
	env, err := testenv.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer env.Stop()
	fmt.Printf("environment up in %.1fs\n\n", time.Since(start).Seconds())
	for _, c := range env.Clusters {
		if err := demoCluster(ctx, c); err != nil {
			return fmt.Errorf("cluster %s: %w", c.Name, err)
		}
	}
	if err := demoGit(ctx, env.Git); err != nil {
		return err
	}
	digest, err := env.Registry.PushRandomImage(ctx, "demo/app", "v1")
	if err != nil {
		return err
	}
	fmt.Printf("# image pushed with basic auth to %s/demo/app:v1\n%s\n\n", env.Registry.Host, digest)
	for _, c := range env.Clusters {
		printMemory(c)
	}
	fmt.Println("all parts work; stopping")
	return nil
}

func demoCluster(ctx context.Context, c *testenv.Cluster) error {
	cs := c.Clientset()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	labels := map[string]string{"app": "hello"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "hello", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](3),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "hello", Image: "hello:1"}}},
			},
		},
	}
	if _, err := cs.AppsV1().Deployments("default").Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		return err
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "hello"},
		Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 80}}},
	}
	if _, err := cs.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		return err
	}
	err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		d, err := cs.AppsV1().Deployments("default").Get(ctx, "hello", metav1.GetOptions{})
		return err == nil && d.Status.AvailableReplicas == 3, nil
	})
	if err != nil {
		return fmt.Errorf("deployment hello not available: %w", err)
	}
	fmt.Printf("# cluster %s at %s\n", c.Name, c.Server)
	return printTables(ctx, cs)
}

func printTables(ctx context.Context, cs kubernetes.Interface) error {
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	deps, err := cs.AppsV1().Deployments("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	svcs, err := cs.CoreV1().Services("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 3, ' ', 0)
	fmt.Fprintln(w, "$ kubectl get nodes\nNAME\tSTATUS\tVERSION")
	for _, n := range nodes.Items {
		fmt.Fprintf(w, "%s\t%s\t%s\n", n.Name, nodeStatus(&n), n.Status.NodeInfo.KubeletVersion)
	}
	fmt.Fprintln(w, "\n$ kubectl get deployments\nNAME\tREADY\tAVAILABLE")
	for _, d := range deps.Items {
		fmt.Fprintf(w, "%s\t%d/%d\t%d\n", d.Name, d.Status.ReadyReplicas, ptr.Deref(d.Spec.Replicas, 1), d.Status.AvailableReplicas)
	}
	fmt.Fprintln(w, "\n$ kubectl get pods\nNAME\tSTATUS\tNODE\tIP")
	for _, p := range pods.Items {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", p.Name, p.Status.Phase, p.Spec.NodeName, p.Status.PodIP)
	}
	fmt.Fprintln(w, "\n$ kubectl get services\nNAME\tTYPE\tCLUSTER-IP")
	for _, s := range svcs.Items {
		fmt.Fprintf(w, "%s\t%s\t%s\n", s.Name, s.Spec.Type, s.Spec.ClusterIP)
	}
	fmt.Fprintln(w)
	return w.Flush()
}

func nodeStatus(n *corev1.Node) string {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
			return "Ready"
		}
	}
	return "NotReady"
}

func demoGit(ctx context.Context, g *testenv.GitServer) error {
	src, err := os.MkdirTemp("", "tugboat-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(src)
	manifest := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello\ndata:\n  greeting: hi\n"
	if err := os.WriteFile(filepath.Join(src, "configmap.yaml"), []byte(manifest), 0o644); err != nil {
		return err
	}
	if err := g.CreateRepo("environments", src); err != nil {
		return err
	}
	for _, url := range []string{g.HTTPPasswordURL("environments"), g.SSHURL("environments")} {
		dst := filepath.Join(src, "clone-"+fmt.Sprint(len(url)))
		if _, err := g.Git(ctx, "", nil, "clone", "-q", url, dst); err != nil {
			return err
		}
		head, err := g.Git(ctx, dst, nil, "log", "--oneline", "-1")
		if err != nil {
			return err
		}
		fmt.Printf("$ git clone %s\n%s\n", displayURL(g, url), head)
	}
	return nil
}

// displayURL keeps the password out of the demo's output.
func displayURL(g *testenv.GitServer, url string) string {
	if url == g.HTTPPasswordURL("environments") {
		return g.HTTPURL("environments") + " (basic auth)"
	}
	return url + " (public key)"
}

func printMemory(c *testenv.Cluster) {
	var total int64
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 3, ' ', 0)
	fmt.Fprintf(w, "# memory of cluster %s\nCOMPONENT\tRSS\n", c.Name)
	mem := c.ComponentMemory()
	for _, name := range slices.Sorted(maps.Keys(mem)) {
		rss := mem[name]
		total += rss
		fmt.Fprintf(w, "%s\t%d MiB\n", name, rss>>20)
	}
	fmt.Fprintf(w, "total\t%d MiB\n\n", total>>20)
	w.Flush()
}
