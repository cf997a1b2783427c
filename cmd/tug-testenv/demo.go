package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// demoOptions configures demo.
type demoOptions struct {
	// Out receives the story; nil means standard output.
	Out io.Writer
	// Tug is a tug binary to use instead of building ./cmd/tug.
	Tug string
	// Keep leaves everything running after the story, until ctx ends, and
	// writes EnvFile for other terminals (make demo-up).
	Keep    bool
	EnvFile string
}

// demoStep is one chapter of the story, with its own deadline.
type demoStep struct {
	// name is the step in the summary table, title in its heading.
	name, title string
	// run does the step and returns a short result for the table.
	run func(d *demoRun, ctx context.Context) (string, error)
	// timeout bounds the step, waits included, so that a stuck
	// controller fails the demo instead of hanging it; 0 means
	// stepTimeout.
	timeout time.Duration
}

const (
	stepTimeout = 2 * time.Minute
	// setupTimeout leaves room for a first run, which builds the control
	// plane (up to 23 minutes on 2 cores) and tug.
	setupTimeout = 40 * time.Minute
)

// demoSteps is the story, in order: each step builds on the one before.
var demoSteps = []demoStep{
	{"setup", "Set up: build tug, start the environment, install, run the controller", (*demoRun).setup, setupTimeout},
	{"sync", "The apps sync from git and become healthy", (*demoRun).stepSync, 0},
	{"scale by commit", "A commit that scales a Deployment goes live", (*demoRun).stepScale, 0},
	{"self-heal", "A hand edit in the cluster is reverted (self-heal)", (*demoRun).stepSelfHeal, 0},
	{"image update", "A new image in the registry is committed to git and rolled out", (*demoRun).stepImage, 0},
	{"bad commit, rollback", "A bad commit fails clearly and changes nothing; rollback reverts it", (*demoRun).stepBadCommit, 0},
	{"promote", "Staging is promoted to production", (*demoRun).stepPromote, 0},
}

// demo tells Tugboat's story end to end on a local environment: every
// step of demoSteps, then a summary table. It fails naming the first step
// that did not work; the steps after it are skipped.
func demo(ctx context.Context, env testenv.EnvOptions, opts demoOptions) error {
	return newDemo(env, opts).run(ctx)
}

func newDemo(env testenv.EnvOptions, opts demoOptions) *demoRun {
	if opts.Out == nil {
		opts.Out = os.Stdout
	}
	return &demoRun{out: opts.Out, envOpts: env, opts: opts}
}

func (d *demoRun) run(ctx context.Context) (err error) {
	defer func() { err = errors.Join(err, d.stop(err != nil)) }()
	results := make([]stepResult, 0, len(demoSteps))
	for i, s := range demoSteps {
		r := d.runStep(ctx, i, s)
		results = append(results, r)
		if r.err != nil {
			err = fmt.Errorf("step %d (%s) failed: %w", i, s.name, r.err)
			break
		}
	}
	printSummary(d.out, results)
	if err != nil {
		d.explainFailure()
		return err
	}
	fmt.Fprintf(d.out, "\nevery step worked, in %.0fs\n", totalSeconds(results))
	if d.opts.Keep {
		return d.keep(ctx)
	}
	return nil
}

// stepResult is a row of the summary.
type stepResult struct {
	note    string
	seconds float64
	err     error
}

func (d *demoRun) runStep(ctx context.Context, n int, s demoStep) stepResult {
	d.heading(n, s.title)
	timeout := s.timeout
	if timeout == 0 {
		timeout = stepTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	note, err := s.run(d, ctx)
	r := stepResult{note: note, seconds: time.Since(start).Seconds(), err: err}
	if err != nil {
		fmt.Fprintf(d.out, "\nFAILED: %s\n", d.redact(err.Error()))
	}
	return r
}

func totalSeconds(rs []stepResult) float64 {
	var t float64
	for _, r := range rs {
		t += r.seconds
	}
	return t
}
