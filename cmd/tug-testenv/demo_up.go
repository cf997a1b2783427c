package main

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// keep leaves the environment and the controller running after the
// story (make demo-up), says how to use them, and waits for ctx to end.
func (d *demoRun) keep(ctx context.Context) error {
	if err := d.env.WriteEnvFile(d.opts.EnvFile); err != nil {
		return err
	}
	fmt.Fprintln(d.out, "\n== everything keeps running")
	printEnv(d.out, d.env, d.opts.EnvFile)
	fmt.Fprintf(d.out, "repository: %s (branch main)\n", d.repoURL)
	fmt.Fprintf(d.out, "controller: pid %d, log %s, push webhook %s (token in %s)\n",
		d.controller.cmd.Process.Pid, d.controller.log, d.hookURL, d.dir)
	cloneURL := strings.Replace(d.repoURL, "://", "://$TUGBOAT_GIT_USERNAME:$TUGBOAT_GIT_PASSWORD@", 1)
	fmt.Fprintf(d.out, `try, in another terminal:
  source %s
  %s get apps -n %s -o wide
  git clone "%s" && cd %s
  # edit, commit and push, then have the controller look at once:
  %s sync %s -n %s --wait
Ctrl-C stops everything.
`, d.opts.EnvFile, d.tugPath, demoNamespace, cloneURL, demoRepo, d.tugPath, stagingApp, demoNamespace)
	select {
	case <-ctx.Done():
		return nil
	case <-d.controller.done:
		return fmt.Errorf("tug controller exited: %v (log %s)", d.controller.err, d.controller.log)
	}
}

// explainFailure shows the end of the controller's log, where a failed
// step's cause usually is.
func (d *demoRun) explainFailure() {
	if d.controller == nil {
		return
	}
	data, err := os.ReadFile(d.controller.log)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	lines = lines[max(0, len(lines)-maxShownLines):]
	fmt.Fprintf(d.out, "\nthe controller's last log lines (%s):\n", d.controller.log)
	d.show(strings.Join(lines, "\n"))
}
