package controller

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tugboat-gitops/tugboat/internal/failure"
	"github.com/tugboat-gitops/tugboat/internal/image/setter"
	"github.com/tugboat-gitops/tugboat/internal/image/writeback"
	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/source/git"
)

// imageMemos remembers, per Application, the last image update this
// process handled, so that a routine check whose inputs did not move
// costs no clone and no write. It lives in memory only: after a restart
// each app with image updates makes one clone that finds nothing to do.
type imageMemos struct {
	mu sync.Mutex
	m  map[types.NamespacedName]imageMemo
}

// imageMemo is what was last done for an app's inputs.
type imageMemo struct {
	// key is updateKey of the inputs last handled.
	key string
	// failures counts failed updates in a row; retryAt is when the last
	// one may be tried again with the same inputs.
	failures int
	retryAt  time.Time
	// outcome is the ImageUpdate condition it led to. A check that skips
	// the update sets it again: the status it starts from may come from a
	// cache that has not yet seen the write that set it.
	outcome imageOutcome
}

// imageOutcome is an ImageUpdate condition's status, reason and message.
type imageOutcome struct {
	status          metav1.ConditionStatus
	reason, message string
}

// due reports whether an update with inputs key should run at now, and
// otherwise how long until a failed one may be retried (0: never, until
// the inputs change). New inputs always run at once.
func (m imageMemo) due(key string, now time.Time) (bool, time.Duration) {
	switch {
	case m.key != key:
		return true, 0
	case m.failures == 0:
		return false, 0
	case now.Before(m.retryAt):
		return false, m.retryAt.Sub(now)
	}
	return true, 0
}

func (ms *imageMemos) get(app types.NamespacedName) imageMemo {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.m[app]
}

func (ms *imageMemos) set(app types.NamespacedName, m imageMemo) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.m == nil {
		ms.m = map[types.NamespacedName]imageMemo{}
	}
	ms.m[app] = m
}

func (ms *imageMemos) forget(app types.NamespacedName) {
	if ms == nil {
		return
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	delete(ms.m, app)
}

// updateKey names an image update's inputs: the app's generation (its
// imageUpdate settings, path and ref), the revision applied, and the
// latest image of each policy. Equal keys would make the same edit of the
// same files.
func updateKey(generation int64, revision string, images map[string]setter.Image) string {
	names := make([]string, 0, len(images))
	for n := range images {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString(strconv.FormatInt(generation, 10))
	b.WriteString(" " + revision)
	for _, n := range names {
		b.WriteString(" " + n + "=" + images[n].String())
	}
	return b.String()
}

// committedRevision is the revision the app will apply once it fetches
// commit, pushed on top of revision's branch: "main@sha1:<commit>".
func committedRevision(revision, commit string) string {
	label, _, ok := strings.Cut(revision, "@sha1:")
	if !ok {
		return "sha1:" + commit
	}
	return label + "@sha1:" + commit
}

// trackedBranch is the branch an app whose spec.ref is ref tracks, given
// the revision it applied: the ref's branch, or for the remote's HEAD or
// a bare name the branch named in the revision. A tag, range or commit
// has no branch to commit to.
func trackedBranch(ref, revision string) (string, error) {
	r, err := git.ParseRef(ref)
	if err != nil {
		return "", err
	}
	switch {
	case r.Branch != "":
		return r.Branch, nil
	case r.Tag != "" || r.SemVer != "" || r.Commit != "":
		return "", fmt.Errorf("the app follows %s, not a branch; image updates are committed to the branch an app tracks", r)
	}
	label, _, ok := strings.Cut(revision, "@sha1:")
	if !ok || label == "" {
		return "", fmt.Errorf("revision %s names no branch; set spec.ref to the branch", revision)
	}
	return label, nil
}

// imageUpdateReason is the reason of a failed image update, for its
// condition, event and metric.
func imageUpdateReason(err error) string {
	if f, ok := failure.Of(err); ok {
		return f.Reason
	}
	switch {
	case errors.Is(err, setter.ErrUnknownPolicy):
		return "UnknownPolicy"
	case errors.Is(err, source.ErrAuthFailed), errors.Is(err, source.ErrAuthRequired):
		return "PushRefused"
	case errors.Is(err, writeback.ErrConflict):
		return "BranchMoving"
	case errors.Is(err, source.ErrNotFound):
		return "NotFound"
	case isSetterError(err):
		return "EditFailed"
	}
	return "ImageUpdateFailed"
}

func isSetterError(err error) bool {
	var se *setter.Error
	return errors.As(err, &se)
}
