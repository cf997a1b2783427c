package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tugboat-gitops/tugboat/bench/procmem"
	"github.com/tugboat-gitops/tugboat/bench/reqcount"
)

// kubectlRun is the reference: kubectl apply --server-side of the same
// files, its requests read from its -v=6 log and its peak memory sampled
// from /proc while it runs.
type kubectlRun struct {
	path, kubeconfig, dir string
}

// run applies the directory with kubectl and returns the row.
func (k kubectlRun) run(ctx context.Context, objects int) (Row, error) {
	cmd := exec.CommandContext(ctx, k.path, "apply", "--server-side", "-f", k.dir, "--kubeconfig", k.kubeconfig, "-v=6")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Row{}, fmt.Errorf("kubectl: %w", err)
	}
	watching, stop := context.WithCancel(ctx)
	peak := make(chan int64, 1)
	go func() { peak <- procmem.Watch(watching, cmd.Process.Pid, 20*time.Millisecond) }()
	err := cmd.Wait()
	wall := time.Since(start)
	stop()
	row := Row{Wall: wall, Objects: objects, PeakRSS: <-peak}
	row.Requests = kubectlRequests(stderr.String())
	row.Result = fmt.Sprintf("%d applied", strings.Count(stdout.String(), "serverside-applied"))
	if err != nil {
		row.Err = fmt.Sprintf("%v: %s", err, lastLines(stderr.String(), 5))
	}
	return row, nil
}

// The two forms of client-go's request log at -v=6: klog text (kubectl up
// to 1.32 or so) and structured ("Response" verb=... url=... status=...).
var (
	textLog       = regexp.MustCompile(`\] (GET|POST|PUT|PATCH|DELETE) (https?://\S+) (\d{3})`)
	structuredLog = regexp.MustCompile(`"Response" verb="(\w+)" url="([^"]+)" status="(\d{3})`)
)

// kubectlRequests counts the requests a kubectl -v=6 log shows.
func kubectlRequests(log string) reqcount.Counts {
	var c reqcount.Counts
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		m := textLog.FindStringSubmatch(sc.Text())
		if m == nil {
			m = structuredLog.FindStringSubmatch(sc.Text())
		}
		if m == nil {
			continue
		}
		u, err := url.Parse(m[2])
		if err != nil {
			continue
		}
		r := reqcount.Parse(m[1], u)
		c.Add(r)
		if code, _ := strconv.Atoi(m[3]); code >= 400 {
			c.Fail(r.Verb, code)
		}
	}
	return c
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
