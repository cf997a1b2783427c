package controller

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tugProcesses runs `tug controller` processes one at a time.
type tugProcesses struct {
	t                                 testing.TB
	bin, kubeconfig, cacheDir, logDir string
	n                                 int
	cmd                               *exec.Cmd
	exited                            chan error
	logPath                           string
}

// start runs a new controller process.
func (p *tugProcesses) start() {
	p.t.Helper()
	p.n++
	p.logPath = filepath.Join(p.logDir, fmt.Sprintf("controller-%02d.log", p.n))
	log, err := os.Create(p.logPath)
	if err != nil {
		p.t.Fatal(err)
	}
	cmd := exec.Command(p.bin, "controller", "--kubeconfig", p.kubeconfig, "--cache-dir", p.cacheDir,
		"--leader-elect=false", "--health-probe-address=", "--metrics-address=", "--log-level=info")
	cmd.Stdout, cmd.Stderr = log, log
	// A test binary killed by its timeout must not leave a controller behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		p.t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		exited <- cmd.Wait()
		log.Close()
	}()
	p.cmd, p.exited = cmd, exited
}

// checkAlive fails the test if the running process has ended.
func (p *tugProcesses) checkAlive() {
	p.t.Helper()
	select {
	case err := <-p.exited:
		p.cmd = nil
		p.fail("controller process %d exited by itself: %v", p.n, err)
	default:
	}
}

// kill sends SIGKILL to the running process and waits for it to die; it
// fails the test if the process had ended by itself.
func (p *tugProcesses) kill() {
	p.t.Helper()
	p.checkAlive()
	if err := p.cmd.Process.Kill(); err != nil {
		p.t.Fatal(err)
	}
	err := <-p.exited
	p.cmd = nil
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		p.fail("controller process %d did not die of SIGKILL: %v", p.n, err)
	}
}

// stop ends the running process, if any, with SIGTERM, as a pod's
// shutdown does, and expects a clean exit.
func (p *tugProcesses) stop() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		if err != nil {
			p.t.Errorf("controller process %d on SIGTERM: %v\n%s", p.n, err, tail(p.logPath, 20))
		}
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		p.t.Errorf("controller process %d still running 30s after SIGTERM", p.n)
	}
	p.cmd = nil
}

// fail ends the test with the last lines of the process's log.
func (p *tugProcesses) fail(format string, args ...any) {
	p.t.Helper()
	p.t.Fatalf("%s\nlast lines of %s:\n%s", fmt.Sprintf(format, args...), p.logPath, tail(p.logPath, 15))
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// buildTug builds cmd/tug of this module into a temporary directory, in
// the background, and returns a function that waits for the build and
// returns the binary's path.
func buildTug(t *testing.T) func() string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("building tug needs the go command: %v", err)
	}
	out := filepath.Join(t.TempDir(), "tug")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	done := make(chan error, 1)
	go func() { done <- goBuild(ctx, goBin, out) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return func() string {
		t.Helper()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		done <- nil // for the cleanup
		return out
	}
}

// goBuild builds ./cmd/tug of the module that go env GOMOD names into out.
func goBuild(ctx context.Context, goBin, out string) error {
	mod, err := exec.CommandContext(ctx, goBin, "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(mod))
	if filepath.Base(gomod) != "go.mod" {
		return fmt.Errorf("go env GOMOD: %q is not a module's go.mod", gomod)
	}
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, "./cmd/tug")
	cmd.Dir = filepath.Dir(gomod)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/tug: %w\n%s", err, b)
	}
	return nil
}
