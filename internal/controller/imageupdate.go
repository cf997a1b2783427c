package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/image"
	"github.com/tugboat-gitops/tugboat/internal/image/setter"
	"github.com/tugboat-gitops/tugboat/internal/image/writeback"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/webhook"
)

// imageUpdateCondition reports an Application's last image update: True
// (UpToDate, or Committed naming the commit) or False with the failure's
// reason. It is a condition of its own, not Ready: a write-back that fails
// leaves what is deployed as it was, so the app stays Ready, and kstatus,
// which reads only Ready, Reconciling and Stalled, ignores it.
const imageUpdateCondition = "ImageUpdate"

// writeBackTimeout bounds one write-back: a shallow clone, the edit, the
// push and its retries.
const writeBackTimeout = 2 * time.Minute

// redeploySoon is the wait before the sync that deploys a commit just
// pushed to the branch the app tracks: none worth the name.
const redeploySoon = time.Millisecond

// written is what a write-back did.
type written struct {
	res     writeback.Result
	changes []image.Change
	// branch is the branch the app tracks; res.Branch the one pushed to.
	branch string
}

// updateImages is the image update step of a sync of app that ended with
// res and syncErr: after a successful sync of an app whose imageUpdate is
// enabled, it commits its policies' latest images to the app's files. Its
// outcome goes to status's ImageUpdate condition, never to Ready. It
// returns how soon app should be reconciled again; 0 leaves that to the
// sync.
func (r *reconciler) updateImages(ctx context.Context, app *v1alpha1.Application, status *v1alpha1.ApplicationStatus, res *pipeline.Result, syncErr error) time.Duration {
	nn := types.NamespacedName{Namespace: app.Namespace, Name: app.Name}
	switch u := app.Spec.ImageUpdate; {
	case u == nil || !u.Enabled:
		meta.RemoveStatusCondition(&status.Conditions, imageUpdateCondition)
		r.images.forget(nn)
		return 0
	case syncErr != nil || res == nil:
		// Only a successful sync says which revision the files are at.
		return 0
	case r.images == nil:
		setImageCondition(status, app, imageOutcome{metav1.ConditionFalse, "ImagePolicyNotServed",
			"the ImagePolicy CRD was not served when the controller started: install it (tug install) and restart the controller"})
		return 0
	}
	images, err := r.latestImages(ctx, app.Namespace)
	key := updateKey(app.Generation, res.Revision, images)
	memo := r.images.get(nn)
	var out written
	if err == nil {
		if run, wait := memo.due(key, time.Now()); !run {
			setImageCondition(status, app, memo.outcome)
			return wait
		}
		out, err = r.writeBack(ctx, app, res.Revision, images)
	}
	if err != nil {
		return r.imageFailed(app, status, memo, key, err)
	}
	return r.imageDone(app, status, key, res.Revision, images, out)
}

// latestImages maps each ImagePolicy of namespace ns that has a latest
// image to it.
func (r *reconciler) latestImages(ctx context.Context, ns string) (map[string]setter.Image, error) {
	var list v1alpha1.ImagePolicyList
	if err := r.client.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return nil, fmt.Errorf("image policies of namespace %s: %w", ns, err)
	}
	images := map[string]setter.Image{}
	for i := range list.Items {
		if img, ok := latestImage(&list.Items[i]); ok {
			images[list.Items[i].Name] = img
		}
	}
	return images, nil
}

// latestImage is the image p's status names. Its repository comes from
// the status, not the spec: after a change of spec.image that no scan
// has served yet, the tag still belongs to the old repository.
func latestImage(p *v1alpha1.ImagePolicy) (setter.Image, bool) {
	s := p.Status
	if s.LatestImage == "" {
		return setter.Image{}, false
	}
	ref, _, _ := strings.Cut(s.LatestImage, "@")
	if s.LatestTag != "" {
		ref = strings.TrimSuffix(ref, ":"+s.LatestTag)
	}
	return setter.Image{Repository: ref, Tag: s.LatestTag, Digest: s.LatestDigest}, true
}

// writeBack sets images in app's files at the tip of its branch and
// pushes a commit if that changed them.
func (r *reconciler) writeBack(ctx context.Context, app *v1alpha1.Application, revision string, images map[string]setter.Image) (written, error) {
	spec, u := app.App(), app.Spec.ImageUpdate
	if spec.Repo == "" || spec.Path == "" {
		return written{}, stalled("NoFiles", errors.New("imageUpdate: the app has no files to update: it needs a git repo and a path"))
	}
	branch, err := trackedBranch(spec.Ref, revision)
	if err != nil {
		return written{}, stalled("NoBranch", fmt.Errorf("imageUpdate: %w", err))
	}
	creds, err := r.imageCredentials(ctx, app)
	if err != nil {
		return written{}, err
	}
	var changes []image.Change
	target := image.Target{App: spec.Name, Path: spec.Path, Request: setter.Request{Policies: images, Fields: image.Fields(u)}}
	edit := explainUnknown(image.Edit([]image.Target{target}, u.MessageTemplate, &changes), app.Namespace, images)
	ctx, cancel := context.WithTimeout(ctx, writeBackTimeout)
	defer cancel()
	res, err := writeback.Commit(ctx, writeback.Options{URL: spec.Repo, Credentials: creds, Branch: branch,
		PushBranch: u.Branch, Author: image.Author(u)}, edit)
	return written{res: res, changes: changes, branch: branch}, err
}

// explainUnknown adds to a marker's or field's unknown policy (the
// setter's error names its file and line) which policies there are.
func explainUnknown(edit writeback.Edit, ns string, images map[string]setter.Image) writeback.Edit {
	return func(ctx context.Context, dir string) (string, error) {
		msg, err := edit(ctx, dir)
		if errors.Is(err, setter.ErrUnknownPolicy) {
			names := make([]string, 0, len(images))
			for n := range images {
				names = append(names, n)
			}
			slices.Sort(names)
			err = fmt.Errorf("%w (markers and fields name an ImagePolicy of namespace %s that has a latest image; those are: %s)",
				err, ns, orNone(strings.Join(names, ", ")))
		}
		return msg, err
	}
}

// imageCredentials reads the git credentials that push: imageUpdate's
// Secret, else the source's.
func (r *reconciler) imageCredentials(ctx context.Context, app *v1alpha1.Application) (source.Credentials, error) {
	ref := app.Spec.ImageUpdate.SecretRef
	if ref == nil {
		return r.credentials(ctx, app)
	}
	var s corev1.Secret
	key := types.NamespacedName{Namespace: app.Namespace, Name: ref.Name}
	if err := r.client.Get(ctx, key, &s); err != nil {
		if apierrors.IsNotFound(err) {
			return source.Credentials{}, stalled("SecretNotFound", fmt.Errorf("imageUpdate.secretRef: Secret %s not found", key))
		}
		return source.Credentials{}, fmt.Errorf("imageUpdate.secretRef: Secret %s: %w", key, err)
	}
	return source.CredentialsFromData(s.Data), nil
}

// imageFailed records a failed update and backs off before trying the
// same inputs again; new inputs (an image, a commit) try at once. What is
// deployed stays as it is, and Ready with it.
func (r *reconciler) imageFailed(app *v1alpha1.Application, status *v1alpha1.ApplicationStatus, memo imageMemo, key string, err error) time.Duration {
	nn := types.NamespacedName{Namespace: app.Namespace, Name: app.Name}
	reason := imageUpdateReason(err)
	imageUpdates.WithLabelValues(reason).Inc()
	failures := memo.failures + 1
	wait := backoff(app.Spec.Retry, failures, interval(app))
	out := imageOutcome{metav1.ConditionFalse, reason, truncate(err.Error(), 4096)}
	r.images.set(nn, imageMemo{key: key, failures: failures, retryAt: time.Now().Add(wait), outcome: out})
	if setImageCondition(status, app, out) && r.events != nil {
		r.events.Eventf(app, nil, corev1.EventTypeWarning, reason, "ImageUpdate", "%s", truncate(out.message, 1024))
	}
	// Errors of writeback and scan hold no credentials.
	r.log.Warn("image update failed", "application", nn.String(), "reason", reason, "retry", wait, "error", err)
	return wait
}

// imageDone records a successful update. A commit to the branch the app
// tracks is deployed at once: the app's next fetch goes to the remote,
// and its key already names the revision it will apply, so that sync
// makes no second clone.
func (r *reconciler) imageDone(app *v1alpha1.Application, status *v1alpha1.ApplicationStatus, key, revision string, images map[string]setter.Image, out written) time.Duration {
	nn := types.NamespacedName{Namespace: app.Namespace, Name: app.Name}
	if !out.res.Changed {
		imageUpdates.WithLabelValues("unchanged").Inc()
		done := imageOutcome{metav1.ConditionTrue, "UpToDate", "the files name the latest images"}
		r.images.set(nn, imageMemo{key: key, outcome: done})
		setImageCondition(status, app, done)
		return 0
	}
	imageUpdates.WithLabelValues("committed").Inc()
	msg := fmt.Sprintf("commit %s on %s: %s", out.res.Commit, out.res.Branch, strings.Join(changeLines(out.changes), "; "))
	done := imageOutcome{metav1.ConditionTrue, "Committed", truncate(msg, 4096)}
	setImageCondition(status, app, done)
	if r.events != nil {
		r.events.Eventf(app, nil, corev1.EventTypeNormal, "ImageUpdated", "ImageUpdate", "%s", truncate(msg, 1024))
	}
	r.log.Info("image update committed", "application", nn.String(), "commit", out.res.Commit, "branch", out.res.Branch)
	if out.res.Branch != out.branch {
		// A review branch: deploying waits for someone to merge it.
		r.images.set(nn, imageMemo{key: key, outcome: done})
		return 0
	}
	r.images.set(nn, imageMemo{key: updateKey(app.Generation, committedRevision(revision, out.res.Commit), images), outcome: done})
	repo := webhook.RepoKey(app.Spec.Repo)
	r.pipeline.Forget(func(other string) bool { return webhook.RepoKey(other) == repo })
	return redeploySoon
}

// changeLines are "APP: IMAGE OLD -> NEW", one per distinct update, as
// the default commit message lists them.
func changeLines(changes []image.Change) []string {
	var lines []string
	for _, c := range changes {
		if l := c.Summary(); !slices.Contains(lines, l) {
			lines = append(lines, l)
		}
	}
	return lines
}

// setImageCondition sets the ImageUpdate condition to out and reports
// whether its status, reason or message changed.
func setImageCondition(status *v1alpha1.ApplicationStatus, app *v1alpha1.Application, out imageOutcome) bool {
	before := meta.FindStatusCondition(status.Conditions, imageUpdateCondition)
	changed := before == nil || before.Status != out.status || before.Reason != out.reason || before.Message != out.message
	setCondition(status, imageUpdateCondition, out.status, out.reason, out.message, app)
	return changed
}
