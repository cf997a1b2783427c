package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// rollbackArgs is step 5's tug rollback: the Application's own
// repository, branch and path (pull mode). Push mode would be
// "rollback", "--repo", d.repoURL, "--app", app.
func (d *demoRun) rollbackArgs(app string) []string {
	return []string{"rollback", "--application", app, "-n", demoNamespace}
}

// promoteArgs is step 6's promotion of staging's image (REPOSITORY=TAG)
// to production: tug promote, gated on staging running that commit
// healthy, or, in a build without it, tug image set standing in. It
// reports which.
func (d *demoRun) promoteArgs(ctx context.Context, image string) ([]string, bool) {
	if d.hasCommand(ctx, "promote") {
		return []string{"promote", "--from", stagingApp, "--to", productionApp, "--require-healthy", "--repo", d.repoURL, "--push"}, true
	}
	return []string{"image", "set", "--repo", d.repoURL, "--app", productionApp, image, "--push"}, false
}

// stepBadCommit pushes a kustomization that is not YAML: the app turns
// Ready=False naming the file, nothing in the cluster changes, and a
// rollback brings it back.
func (d *demoRun) stepBadCommit(ctx context.Context) (string, error) {
	before, err := d.deployment(ctx, stagingNS)
	if err != nil {
		return "", err
	}
	d.say("a commit that scales staging to 4 with a badly indented line")
	bad, err := d.commit(ctx, "staging: scale guestbook to 4", func() error {
		return d.editFile(stagingKustomization, stagingReplicas, "   count: 4")
	})
	if err != nil {
		return "", err
	}
	if err := d.notify(ctx); err != nil {
		return "", err
	}
	msg, err := d.waitFailed(ctx, stagingApp)
	if err != nil {
		return "", err
	}
	if _, err := d.tug(ctx, "get", "apps", stagingApp, "-n", demoNamespace); err != nil {
		return "", err
	}
	d.say("its Ready condition: %s", msg)
	if !strings.Contains(msg, "kustomization.yaml") {
		return "", fmt.Errorf("the Ready message does not name the file: %s", msg)
	}
	if err := d.unchanged(ctx, before); err != nil {
		return "", err
	}
	how, err := d.rollback(ctx, stagingApp, bad)
	if err != nil {
		return "", err
	}
	head, err := d.remoteHead(ctx)
	if err != nil {
		return "", err
	}
	if err := d.notify(ctx); err != nil {
		return "", err
	}
	start := time.Now()
	if err := d.waitApp(ctx, stagingApp, head); err != nil {
		return "", err
	}
	d.say("Ready again at the revert %.7s, %.1fs after its push", head, time.Since(start).Seconds())
	if _, err := d.tug(ctx, "get", "apps", stagingApp, "-n", demoNamespace); err != nil {
		return "", err
	}
	return "Ready=False named the file, nothing changed; " + how, nil
}

// waitFailed waits for the Application, Ready before the bad commit, to
// turn Ready=False, and returns its Ready condition as a line. A render
// failure leaves status.lastAttemptedRevision at the commit before (the
// pipeline returns no revision with it), so the condition is what to
// wait for.
func (d *demoRun) waitFailed(ctx context.Context, name string) (string, error) {
	var msg string
	err := waitFor(ctx, name+" Ready=False", func(ctx context.Context) (bool, error) {
		app, err := d.application(ctx, name)
		if err != nil {
			return false, err
		}
		r := ready(app)
		msg = fmt.Sprintf("Ready=%s %s: %s", r.Status, r.Reason, r.Message)
		return r.Status == metav1.ConditionFalse, errors.New(msg)
	})
	return msg, err
}

// unchanged checks that the staging Deployment's spec is as it was
// before: the same generation.
func (d *demoRun) unchanged(ctx context.Context, before *appsv1.Deployment) error {
	after, err := d.deployment(ctx, stagingNS)
	if err != nil {
		return err
	}
	if after.Generation != before.Generation {
		return fmt.Errorf("the bad commit changed the Deployment: generation %d -> %d, %s", before.Generation, after.Generation, describe(after))
	}
	d.say("nothing changed in the cluster: generation %d, %s", after.Generation, describe(after))
	return nil
}

// rollback reverts the bad commit with tug rollback, or, in a build
// without it, with git revert; it says which.
func (d *demoRun) rollback(ctx context.Context, app, bad string) (string, error) {
	if d.hasCommand(ctx, "rollback") {
		if _, err := d.tug(ctx, d.rollbackArgs(app)...); err != nil {
			return "", err
		}
		return "tug rollback reverted it", nil
	}
	d.say("(tug rollback not available in this build)")
	if _, err := d.git(ctx, "pull", "--quiet", "--rebase", "origin", "main"); err != nil {
		return "", err
	}
	d.command("git revert --no-edit %.7s && git push", bad)
	if _, err := d.git(ctx, "revert", "--no-edit", bad); err != nil {
		return "", err
	}
	if _, err := d.push(ctx); err != nil {
		return "", err
	}
	return "git revert reverted it (tug rollback not in this build)", nil
}

// stepPromote copies the image staging runs into production's files and
// waits for production to run it.
func (d *demoRun) stepPromote(ctx context.Context) (string, error) {
	staging, err := d.deployment(ctx, stagingNS)
	if err != nil {
		return "", err
	}
	image := frontendImage(staging)
	repo, tag, ok := strings.Cut(image, d.image+":")
	if !ok || repo != "" {
		return "", fmt.Errorf("staging runs %s, not a tag of %s", image, d.image)
	}
	d.say("staging is healthy on %s: promote it to production", tag)
	args, promote := d.promoteArgs(ctx, d.image+"="+tag)
	if !promote {
		d.say("(tug promote not available in this build: tug image set stands in)")
	}
	if _, err := d.tug(ctx, args...); err != nil {
		return "", err
	}
	if err := d.notify(ctx); err != nil {
		return "", err
	}
	start := time.Now()
	if err := d.waitRollout(ctx, productionNS, image, 3); err != nil {
		return "", err
	}
	took := time.Since(start).Seconds()
	head, err := d.remoteHead(ctx)
	if err != nil {
		return "", err
	}
	if err := d.waitApp(ctx, productionApp, head); err != nil {
		return "", err
	}
	if err := d.showDeployments(ctx, stagingNS, productionNS); err != nil {
		return "", err
	}
	if _, err := d.tug(ctx, "get", "apps", "-n", demoNamespace); err != nil {
		return "", err
	}
	note := fmt.Sprintf("production runs %s, %.1fs after the push", tag, took)
	if !promote {
		note += " (tug image set: no tug promote in this build)"
	}
	return note, nil
}
