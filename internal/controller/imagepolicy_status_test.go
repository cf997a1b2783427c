package controller

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/image"
	"github.com/tugboat-gitops/tugboat/internal/image/setter"
	"github.com/tugboat-gitops/tugboat/internal/source"
)

// TestImagePolicyStatus: a scan becomes conditions in one place; a failure
// keeps the last image; a scan that finds the same leaves the status as
// it was (no write), lastScanTime included.
func TestImagePolicyStatus(t *testing.T) {
	then := time.Unix(1_700_000_000, 0)
	now := then.Add(time.Minute)
	found := func(tag string, tags int) image.Resolved {
		return image.Resolved{Image: setter.Image{Repository: "r/app", Tag: tag}, Tags: tags}
	}
	// ready is the status after a successful scan at then.
	ready := func(tag string, tags int) v1alpha1.ImagePolicyStatus {
		var s v1alpha1.ImagePolicyStatus
		setPolicyStatus(&s, &v1alpha1.ImagePolicy{ObjectMeta: metav1.ObjectMeta{Generation: 1}}, found(tag, tags), nil, then)
		return s
	}
	authErr := scanFailure(fmt.Errorf("list tags of r/app: %w", source.ErrAuthFailed))
	tests := []struct {
		name          string
		before        v1alpha1.ImagePolicyStatus
		generation    int64
		res           image.Resolved
		err           error
		wantReady     metav1.ConditionStatus
		wantReason    string
		wantStalled   metav1.ConditionStatus
		wantLatest    string
		wantUnchanged bool
	}{
		{name: "first scan", generation: 1, res: found("1.0.0", 1),
			wantReady: metav1.ConditionTrue, wantReason: "Succeeded", wantStalled: metav1.ConditionFalse, wantLatest: "r/app:1.0.0"},
		{name: "same image and tags: no change", before: ready("1.0.0", 1), generation: 1, res: found("1.0.0", 1),
			wantReady: metav1.ConditionTrue, wantReason: "Succeeded", wantStalled: metav1.ConditionFalse, wantLatest: "r/app:1.0.0", wantUnchanged: true},
		{name: "new image", before: ready("1.0.0", 1), generation: 1, res: found("1.1.0", 2),
			wantReady: metav1.ConditionTrue, wantReason: "Succeeded", wantStalled: metav1.ConditionFalse, wantLatest: "r/app:1.1.0"},
		{name: "a tag outside the range: new count only", before: ready("1.1.0", 2), generation: 1, res: found("1.1.0", 3),
			wantReady: metav1.ConditionTrue, wantReason: "Succeeded", wantStalled: metav1.ConditionFalse, wantLatest: "r/app:1.1.0"},
		{name: "registry refuses: keeps the last image", before: ready("1.1.0", 2), generation: 1, err: authErr,
			wantReady: metav1.ConditionFalse, wantReason: "AuthFailed", wantStalled: metav1.ConditionFalse, wantLatest: "r/app:1.1.0"},
		{name: "invalid spec is stalled", before: ready("1.1.0", 2), generation: 2, err: stalled("InvalidSpec", errors.New("policy.semver.range: bad")),
			wantReady: metav1.ConditionFalse, wantReason: "InvalidSpec", wantStalled: metav1.ConditionTrue, wantLatest: "r/app:1.1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &v1alpha1.ImagePolicy{ObjectMeta: metav1.ObjectMeta{Generation: tt.generation}}
			status := tt.before.DeepCopy()
			setPolicyStatus(status, p, tt.res, tt.err, now)
			if unchanged := equality.Semantic.DeepEqual(status, &tt.before); unchanged != tt.wantUnchanged {
				t.Errorf("unchanged = %v, want %v", unchanged, tt.wantUnchanged)
			}
			c := meta.FindStatusCondition(status.Conditions, v1alpha1.ReadyCondition)
			if c == nil || c.Status != tt.wantReady || c.Reason != tt.wantReason || c.ObservedGeneration != tt.generation {
				t.Errorf("Ready = %+v, want %s %s at generation %d", c, tt.wantReady, tt.wantReason, tt.generation)
			}
			if s := meta.FindStatusCondition(status.Conditions, v1alpha1.StalledCondition); s == nil || s.Status != tt.wantStalled {
				t.Errorf("Stalled = %+v, want %s", s, tt.wantStalled)
			}
			if status.LatestImage != tt.wantLatest || status.ObservedGeneration != tt.generation {
				t.Errorf("latest %q at generation %d, want %q at %d", status.LatestImage, status.ObservedGeneration, tt.wantLatest, tt.generation)
			}
			// lastScanTime moves with a successful scan's change only.
			moved := status.LastScanTime != nil && status.LastScanTime.Time.Equal(now)
			if want := tt.err == nil && !tt.wantUnchanged; moved != want {
				t.Errorf("lastScanTime %v moved = %v, want %v", status.LastScanTime, moved, want)
			}
		})
	}
}

func TestLatestImage(t *testing.T) {
	tests := []struct {
		name   string
		status v1alpha1.ImagePolicyStatus
		want   setter.Image
		wantOK bool
	}{
		{name: "none yet"},
		{name: "tag", status: v1alpha1.ImagePolicyStatus{LatestImage: "127.0.0.1:5000/team/app:1.1.0", LatestTag: "1.1.0"},
			want: setter.Image{Repository: "127.0.0.1:5000/team/app", Tag: "1.1.0"}, wantOK: true},
		{name: "tag and digest", status: v1alpha1.ImagePolicyStatus{LatestImage: "r/app:stable@sha256:aa", LatestTag: "stable", LatestDigest: "sha256:aa"},
			want: setter.Image{Repository: "r/app", Tag: "stable", Digest: "sha256:aa"}, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := latestImage(&v1alpha1.ImagePolicy{Status: tt.status})
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %+v, %v; want %+v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestImageScannerKey(t *testing.T) {
	base := scannerKey("r.example", false, map[string][]byte{"username": []byte("u"), "password": []byte("p")})
	tests := []struct {
		name     string
		key      string
		wantSame bool
	}{
		{name: "same data", key: scannerKey("r.example", false, map[string][]byte{"password": []byte("p"), "username": []byte("u")}), wantSame: true},
		{name: "rotated password", key: scannerKey("r.example", false, map[string][]byte{"username": []byte("u"), "password": []byte("p2")})},
		{name: "other registry", key: scannerKey("r2.example", false, map[string][]byte{"username": []byte("u"), "password": []byte("p")})},
		{name: "insecure", key: scannerKey("r.example", true, map[string][]byte{"username": []byte("u"), "password": []byte("p")})},
		{name: "bytes moved between key and value", key: scannerKey("r.example", false, map[string][]byte{"usernam": []byte("eu"), "password": []byte("p")})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if same := tt.key == base; same != tt.wantSame {
				t.Errorf("same = %v, want %v", same, tt.wantSame)
			}
		})
	}
}

func TestImageScanMetrics(t *testing.T) {
	ok, failed := testutil.ToFloat64(imageScans.WithLabelValues("ok")), testutil.ToFloat64(imageScans.WithLabelValues("AuthFailed"))
	requests := testutil.ToFloat64(imageRegistryRequests)
	observeScan(image.Resolved{Requests: 1, NotModified: true}, nil)
	observeScan(image.Resolved{Requests: 2}, scanFailure(fmt.Errorf("list tags: %w", source.ErrAuthFailed)))
	if got := testutil.ToFloat64(imageScans.WithLabelValues("ok")) - ok; got != 1 {
		t.Errorf("ok scans +%v, want +1", got)
	}
	if got := testutil.ToFloat64(imageScans.WithLabelValues("AuthFailed")) - failed; got != 1 {
		t.Errorf("AuthFailed scans +%v, want +1", got)
	}
	if got := testutil.ToFloat64(imageRegistryRequests) - requests; got != 3 {
		t.Errorf("registry requests +%v, want +3", got)
	}
}
