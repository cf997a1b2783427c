package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/tugboat-gitops/tugboat/bench/tugapply"
)

// helperPackage is the command that runs one apply in a child process.
const helperPackage = "github.com/tugboat-gitops/tugboat/bench/cmd/tugapply"

// BuildHelper compiles the tugapply helper into dir and returns its path.
// It must run inside the module.
func BuildHelper(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "tugapply")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, helperPackage)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %w\n%s", helperPackage, err, out)
	}
	return bin, nil
}

// tugRun is one apply by the helper.
type tugRun struct {
	helper, kubeconfig, dir, cacheDir string
	concurrency                       int
}

// run applies the directory in a child process and returns the row: wall
// time of the whole process (start, connect, render, plan, apply), and the
// requests and peak resident memory the child reports.
func (t tugRun) run(ctx context.Context, objects int) (Row, error) {
	cmd := exec.CommandContext(ctx, t.helper, "-kubeconfig", t.kubeconfig, "-dir", t.dir,
		"-cache-dir", t.cacheDir, "-concurrency", fmt.Sprint(t.concurrency))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	row := Row{Wall: time.Since(start), Objects: objects}
	var rep tugapply.Report
	if jerr := json.Unmarshal(stdout.Bytes(), &rep); jerr != nil {
		return row, fmt.Errorf("tugapply: %v (%v)\n%s", err, jerr, strings.TrimSpace(stderr.String()))
	}
	row.Requests, row.Err, row.PeakRSS = rep.Requests, rep.Error, rep.PeakRSS
	row.ApplyTime = time.Duration(rep.ApplySeconds * float64(time.Second))
	row.FirstWrite = time.Duration(rep.FirstWriteSeconds * float64(time.Second))
	row.Result = result(rep.Actions)
	return row, nil
}

// result renders the actions of an apply: "1 updated, 1000 unchanged".
func result(actions map[string]int) string {
	var parts []string
	for _, a := range []struct{ key, word string }{
		{"create", "created"}, {"update", "updated"}, {"recreate", "recreated"},
		{"prune", "pruned"}, {"skip", "skipped"}, {"unchanged", "unchanged"},
	} {
		if n := actions[a.key]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, a.word))
		}
	}
	return strings.Join(parts, ", ")
}
