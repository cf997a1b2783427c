package testenv

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"time"
)

func (c *Cluster) run(name, bin string, args ...string) (*process, error) {
	p, err := startProcess(name, c.LogDir, bin, args, nil)
	if err != nil {
		return nil, err
	}
	c.procs = append(c.procs, p)
	return p, nil
}

func ports(n int) ([]int, error) {
	out := make([]int, n)
	for i := range out {
		p, err := FreePort()
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

func (c *Cluster) startEtcd(ctx context.Context, bin string) (string, error) {
	p, err := ports(2)
	if err != nil {
		return "", err
	}
	client := fmt.Sprintf("http://127.0.0.1:%d", p[0])
	peer := fmt.Sprintf("http://127.0.0.1:%d", p[1])
	proc, err := c.run("etcd", filepath.Join(bin, "etcd"),
		"--name=default",
		"--data-dir="+filepath.Join(c.Dir, "etcd"),
		"--listen-client-urls="+client, "--advertise-client-urls="+client,
		"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer,
		"--initial-cluster=default="+peer,
		// A throwaway cluster: durability buys nothing and fsync costs a lot
		// on a shared disk.
		"--unsafe-no-fsync",
		"--quota-backend-bytes=8589934592",
		"--log-level=warn",
	)
	if err != nil {
		return "", err
	}
	return client, waitHTTP(ctx, proc, client+"/health", nil)
}

func (c *Cluster) startAPIServer(ctx context.Context, bin, etcdURL string, profiling bool) error {
	p, err := ports(1)
	if err != nil {
		return err
	}
	c.Server = fmt.Sprintf("https://127.0.0.1:%d", p[0])
	proc, err := c.run("kube-apiserver", filepath.Join(bin, "kube-apiserver"),
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(p[0]),
		"--tls-cert-file="+c.pki.serverCert, "--tls-private-key-file="+c.pki.serverKey,
		"--client-ca-file="+c.pki.caCert,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+c.pki.saPub,
		"--service-account-signing-key-file="+c.pki.saKey,
		"--service-cluster-ip-range=10.0.0.0/16",
		"--authorization-mode=Node,RBAC",
		"--allow-privileged=true",
		// A loopback advertise address cannot be an Endpoints address; nothing
		// here reaches the API server through the kubernetes Service.
		"--endpoint-reconciler-type=none",
		// Without the node-lifecycle controller nothing would lift the
		// not-ready taint this plugin puts on a new node.
		"--disable-admission-plugins=TaintNodesByCondition",
		"--profiling="+strconv.FormatBool(profiling),
	)
	if err != nil {
		return err
	}
	if err := c.writeAdminKubeconfig(); err != nil {
		return err
	}
	return waitHTTP(ctx, proc, c.Server+"/readyz", c.adminHTTPClient())
}

func (c *Cluster) startControllerManager(ctx context.Context, bin string) error {
	p, err := ports(1)
	if err != nil {
		return err
	}
	proc, err := c.run("kube-controller-manager", filepath.Join(bin, "kube-controller-manager"),
		"--kubeconfig="+c.Kubeconfig,
		"--authentication-kubeconfig="+c.Kubeconfig, "--authorization-kubeconfig="+c.Kubeconfig,
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(p[0]),
		"--leader-elect=false",
		"--service-account-private-key-file="+c.pki.saKey,
		"--root-ca-file="+c.pki.caCert,
		"--cluster-signing-cert-file="+c.pki.caCert, "--cluster-signing-key-file="+c.pki.caKey,
		// kwok renews node heartbeats late on a loaded machine; the lifecycle
		// controller would then taint the node and evict every pod.
		"--controllers=*,-nodeipam,-nodelifecycle",
		"--kube-api-qps=500", "--kube-api-burst=1000",
		"--concurrent-deployment-syncs=20", "--concurrent-replicaset-syncs=20",
	)
	if err != nil {
		return err
	}
	return waitHTTP(ctx, proc, fmt.Sprintf("https://127.0.0.1:%d/healthz", p[0]), insecureClient())
}

func (c *Cluster) startScheduler(ctx context.Context, bin string) error {
	p, err := ports(1)
	if err != nil {
		return err
	}
	proc, err := c.run("kube-scheduler", filepath.Join(bin, "kube-scheduler"),
		"--kubeconfig="+c.Kubeconfig,
		"--authentication-kubeconfig="+c.Kubeconfig, "--authorization-kubeconfig="+c.Kubeconfig,
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(p[0]),
		"--leader-elect=false",
		"--kube-api-qps=500", "--kube-api-burst=1000",
	)
	if err != nil {
		return err
	}
	return waitHTTP(ctx, proc, fmt.Sprintf("https://127.0.0.1:%d/healthz", p[0]), insecureClient())
}

// kwokAnnotation marks the nodes kwok manages; pods on them go Running.
const kwokAnnotation = "kwok.x-k8s.io/node"

func (c *Cluster) startKwok(ctx context.Context, bin string) error {
	p, err := ports(1)
	if err != nil {
		return err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", p[0])
	proc, err := c.run("kwok", filepath.Join(bin, "kwok"),
		"--kubeconfig="+c.Kubeconfig,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector="+kwokAnnotation+"=fake",
		"--node-ip=127.0.0.1",
		"--cidr=10.244.0.1/16",
		"--server-address="+addr,
	)
	if err != nil {
		return err
	}
	return waitHTTP(ctx, proc, "http://"+addr+"/healthz", nil)
}

func insecureClient() *http.Client {
	return &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, //nolint:gosec // loopback health probe of a component with a self-signed cert
	}
}

// waitHTTP polls url until it answers 200, the process exits, or ctx ends.
func waitHTTP(ctx context.Context, proc *process, url string, client *http.Client) error {
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Second}
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		if err := proc.exited(); err != nil {
			return err
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready at %s (last: %s); log %s:\n%s", proc.name, url, last, proc.logPath, lastLines(readFile(proc.logPath), 15))
		case <-tick.C:
		}
	}
}
