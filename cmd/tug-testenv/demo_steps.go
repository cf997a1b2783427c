package main

import (
	"context"
	"fmt"
	"regexp"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// stagingReplicas is the replica count of the staging overlay.
var stagingReplicas = regexp.MustCompile(`(?m)^(    count: )\d+$`)

// stepSync waits for every app to be synced from git and healthy.
func (d *demoRun) stepSync(ctx context.Context) (string, error) {
	start := time.Now()
	d.say("the controller clones the repository, renders each app (kustomize, helm) and applies it")
	apps := []string{stagingApp, productionApp, redisApp}
	for _, a := range apps {
		if err := d.waitApp(ctx, a, ""); err != nil {
			return "", err
		}
	}
	took := time.Since(start).Seconds()
	if _, err := d.tug(ctx, "get", "apps", "-n", demoNamespace); err != nil {
		return "", err
	}
	if err := d.showDeployments(ctx, stagingNS, productionNS); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d apps Ready and Healthy after %.1fs", len(apps), took), nil
}

// showDeployments prints what the guestbook Deployments of namespaces run.
func (d *demoRun) showDeployments(ctx context.Context, namespaces ...string) error {
	for _, ns := range namespaces {
		dep, err := d.deployment(ctx, ns)
		if err != nil {
			return err
		}
		d.show(describe(dep))
	}
	return nil
}

// stepScale commits a new replica count for staging and times it to live.
func (d *demoRun) stepScale(ctx context.Context) (string, error) {
	d.say("scale staging from 2 to 3 replicas in git")
	sha, err := d.commit(ctx, "staging: scale guestbook to 3", func() error {
		return d.editFile(stagingKustomization, stagingReplicas, "${1}3")
	})
	if err != nil {
		return "", err
	}
	start := time.Now()
	if err := d.notify(ctx); err != nil {
		return "", err
	}
	if err := d.waitRollout(ctx, stagingNS, "", 3); err != nil {
		return "", err
	}
	took := time.Since(start).Seconds()
	if err := d.waitApp(ctx, stagingApp, sha); err != nil {
		return "", err
	}
	d.say("live %.1fs after the push", took)
	if err := d.showDeployments(ctx, stagingNS); err != nil {
		return "", err
	}
	if _, err := d.tug(ctx, "get", "apps", stagingApp, "-n", demoNamespace); err != nil {
		return "", err
	}
	return fmt.Sprintf("3 replicas live %.1fs after the push", took), nil
}

// stepSelfHeal scales staging by hand and waits for the controller to
// put git's replica count back.
func (d *demoRun) stepSelfHeal(ctx context.Context) (string, error) {
	d.say("someone scales staging down by hand (client-go, as kubectl scale does)")
	d.command("kubectl -n %s scale deployment %s --replicas=1", stagingNS, deployName)
	deps := d.kube.AppsV1().Deployments(stagingNS)
	scale, err := deps.GetScale(ctx, deployName, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	scale.Spec = autoscalingv1.ScaleSpec{Replicas: 1}
	start := time.Now()
	if _, err := deps.UpdateScale(ctx, deployName, scale, metav1.UpdateOptions{}); err != nil {
		return "", err
	}
	if err := d.waitRollout(ctx, stagingNS, "", 3); err != nil {
		return "", err
	}
	took := time.Since(start).Seconds()
	d.say("the controller saw the edit (a watch, not a timer) and put git's 3 back in %.2fs", took)
	if err := d.showDeployments(ctx, stagingNS); err != nil {
		return "", err
	}
	if _, err := d.tug(ctx, "history", stagingApp, "-n", demoNamespace); err != nil {
		return "", err
	}
	return fmt.Sprintf("reverted in %.2fs", took), nil
}

// stepImage pushes a new frontend image and waits for the controller to
// commit it to staging's files and roll it out there, and only there.
func (d *demoRun) stepImage(ctx context.Context) (string, error) {
	newImage := d.image + ":1.1.0"
	d.say("CI pushes %s; the ImagePolicy guestbook (semver ^1.0.0) scans every 2s", newImage)
	start := time.Now()
	if _, err := d.env.Registry.PushRandomImage(ctx, frontendRepo, "1.1.0"); err != nil {
		return "", err
	}
	if err := d.waitRollout(ctx, stagingNS, newImage, 3); err != nil {
		return "", err
	}
	took := time.Since(start).Seconds()
	d.say("the controller committed the tag to staging's kustomization and deployed it, %.1fs after the push", took)
	if _, err := d.git(ctx, "fetch", "--quiet", "origin"); err != nil {
		return "", err
	}
	d.command("git log -1 --format='%%h (%%an) %%B' origin/main")
	log, err := d.git(ctx, "log", "-1", "--format=%h (%an) %B", "origin/main")
	if err != nil {
		return "", err
	}
	d.show(log)
	d.say("production, whose Application has no imageUpdate, still runs 1.0.0")
	prod, err := d.deployment(ctx, productionNS)
	if err != nil {
		return "", err
	}
	if got := frontendImage(prod); got != d.image+":1.0.0" {
		return "", fmt.Errorf("production runs %s, want still 1.0.0", got)
	}
	if err := d.showDeployments(ctx, stagingNS, productionNS); err != nil {
		return "", err
	}
	return fmt.Sprintf("1.1.0 committed and live %.1fs after the push", took), nil
}
