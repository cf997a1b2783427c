package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// hookReceiver is the controller's generic push webhook, /hook/demo: the
// git server has no webhooks of its own, so the demo calls it after each
// push, as a forge would.
const hookReceiver = "demo"

// controllerProcess is tug controller running as a child process.
type controllerProcess struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	log  string
}

// startController runs tug controller against the cluster, on loopback
// only, with the push webhook, and waits until it is ready.
func (d *demoRun) startController(ctx context.Context) error {
	probePort, err := testenv.FreePort()
	if err != nil {
		return err
	}
	hookPort, err := testenv.FreePort()
	if err != nil {
		return err
	}
	secrets := filepath.Join(d.dir, "webhooks")
	d.hookToken = rand.Text()
	if err := os.MkdirAll(secrets, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(secrets, hookReceiver), []byte(d.hookToken), 0o600); err != nil {
		return err
	}
	hookAddr := "127.0.0.1:" + strconv.Itoa(hookPort)
	d.hookURL = "http://" + hookAddr + "/hook/" + hookReceiver
	probeAddr := "127.0.0.1:" + strconv.Itoa(probePort)
	args := []string{"controller", "--kubeconfig", d.cluster.Kubeconfig, "--log-level", "info",
		"--health-probe-address", probeAddr, "--metrics-address", "",
		"--webhook-address", hookAddr, "--webhook-receiver", hookReceiver + "=generic", "--webhook-secrets-dir", secrets,
		"--cache-dir", filepath.Join(d.dir, "cache")}
	log := filepath.Join(d.dir, "controller.log")
	d.say("the controller, as a local process (its log: %s)", log)
	d.command("tug controller --kubeconfig $KUBECONFIG --webhook-address %s --webhook-receiver %s=generic ... &", hookAddr, hookReceiver)
	if d.controller, err = startProcess(d.tugPath, args, log); err != nil {
		return err
	}
	return d.controller.waitReady(ctx, "http://"+probeAddr+"/readyz")
}

func startProcess(bin string, args []string, logPath string) (*controllerProcess, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start tug controller: %w", err)
	}
	p := &controllerProcess{cmd: cmd, done: make(chan struct{}), log: logPath}
	go func() {
		p.err = cmd.Wait()
		log.Close()
		close(p.done)
	}()
	return p, nil
}

// waitReady polls the controller's readiness probe; a controller that
// exits fails at once, naming its log.
func (p *controllerProcess) waitReady(ctx context.Context, url string) error {
	client := &http.Client{Timeout: 2 * time.Second}
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		select {
		case <-p.done:
			return false, fmt.Errorf("tug controller exited: %v (log %s)", p.err, p.log)
		default:
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the controller to be ready: %w", err)
	}
	return nil
}

// stop asks the controller to shut down, and kills it if it has not
// within 10s.
func (p *controllerProcess) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// notify calls the controller's push webhook for the environment
// repository's main branch, as the git server's webhook would after a
// push: the controller checks the apps that track it at once.
func (d *demoRun) notify(ctx context.Context) error {
	body, err := json.Marshal(map[string]string{"repository": d.repoURL, "ref": "refs/heads/main"})
	if err != nil {
		return err
	}
	d.command("curl -X POST %s -H 'Authorization: Bearer ***' -d '%s'   # the push webhook", d.hookURL, body)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.hookURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+d.hookToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("push webhook: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("push webhook: %s, want 202 Accepted", resp.Status)
	}
	d.show(resp.Status)
	return nil
}
