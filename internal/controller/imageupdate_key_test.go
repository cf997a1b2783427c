package controller

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/failure"
	"github.com/tugboat-gitops/tugboat/internal/image"
	"github.com/tugboat-gitops/tugboat/internal/image/policy"
	"github.com/tugboat-gitops/tugboat/internal/image/setter"
	"github.com/tugboat-gitops/tugboat/internal/image/writeback"
	"github.com/tugboat-gitops/tugboat/internal/source"
)

func TestImageMemoDue(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name     string
		memo     imageMemo
		key      string
		wantRun  bool
		wantWait time.Duration
	}{
		{name: "never handled", memo: imageMemo{}, key: "k", wantRun: true},
		{name: "same inputs, done: a routine check costs nothing", memo: imageMemo{key: "k"}, key: "k"},
		{name: "new inputs", memo: imageMemo{key: "k"}, key: "k2", wantRun: true},
		{name: "same inputs failed, backing off", memo: imageMemo{key: "k", failures: 2, retryAt: now.Add(10 * time.Second)}, key: "k", wantWait: 10 * time.Second},
		{name: "same inputs failed, backoff over", memo: imageMemo{key: "k", failures: 2, retryAt: now.Add(-time.Second)}, key: "k", wantRun: true},
		{name: "new inputs after a failure run at once", memo: imageMemo{key: "k", failures: 3, retryAt: now.Add(time.Minute)}, key: "k2", wantRun: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, wait := tt.memo.due(tt.key, now)
			if run != tt.wantRun || wait != tt.wantWait {
				t.Errorf("due = %v, %v; want %v, %v", run, wait, tt.wantRun, tt.wantWait)
			}
		})
	}
}

func TestImageUpdateKey(t *testing.T) {
	app := setter.Image{Repository: "r/app", Tag: "1.1.0"}
	db := setter.Image{Repository: "r/db", Tag: "stable", Digest: "sha256:aa"}
	base := updateKey(1, "main@sha1:abc", map[string]setter.Image{"app": app, "db": db})
	tests := []struct {
		name     string
		key      string
		wantSame bool
	}{
		{name: "same inputs in another map order", key: updateKey(1, "main@sha1:abc", map[string]setter.Image{"db": db, "app": app}), wantSame: true},
		{name: "new generation", key: updateKey(2, "main@sha1:abc", map[string]setter.Image{"app": app, "db": db})},
		{name: "new revision", key: updateKey(1, "main@sha1:def", map[string]setter.Image{"app": app, "db": db})},
		{name: "new image", key: updateKey(1, "main@sha1:abc", map[string]setter.Image{"app": {Repository: "r/app", Tag: "1.2.0"}, "db": db})},
		{name: "moved digest", key: updateKey(1, "main@sha1:abc", map[string]setter.Image{"app": app, "db": {Repository: "r/db", Tag: "stable", Digest: "sha256:bb"}})},
		{name: "a policy fewer", key: updateKey(1, "main@sha1:abc", map[string]setter.Image{"app": app})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if same := tt.key == base; same != tt.wantSame {
				t.Errorf("key %q vs %q: same = %v, want %v", tt.key, base, same, tt.wantSame)
			}
		})
	}
}

func TestImageCommittedRevision(t *testing.T) {
	tests := []struct{ revision, commit, want string }{
		{"main@sha1:abc", "def", "main@sha1:def"},
		{"release/1.x@sha1:abc", "def", "release/1.x@sha1:def"},
		{"sha1:abc", "def", "sha1:def"},
	}
	for _, tt := range tests {
		if got := committedRevision(tt.revision, tt.commit); got != tt.want {
			t.Errorf("committedRevision(%q, %q) = %q, want %q", tt.revision, tt.commit, got, tt.want)
		}
	}
}

func TestImageTrackedBranch(t *testing.T) {
	tests := []struct {
		name, ref, revision string
		want                string
		wantErr             string
	}{
		{name: "remote HEAD", ref: "", revision: "main@sha1:abc", want: "main"},
		{name: "explicit branch", ref: "branch:release", revision: "release@sha1:abc", want: "release"},
		{name: "bare name", ref: "staging", revision: "staging@sha1:abc", want: "staging"},
		{name: "tag", ref: "tag:v1.0.0", revision: "v1.0.0@sha1:abc", wantErr: "not a branch"},
		{name: "semver range", ref: "semver:^1", revision: "v1.2.0@sha1:abc", wantErr: "not a branch"},
		{name: "commit", ref: strings.Repeat("a", 40), revision: "sha1:" + strings.Repeat("a", 40), wantErr: "not a branch"},
		{name: "revision without a label", ref: "", revision: "sha1:abc", wantErr: "names no branch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := trackedBranch(tt.ref, tt.revision)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %q, %v; want an error with %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestImageUpdateReason(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{name: "push refused", err: fmt.Errorf("write back: %w", source.ErrAuthFailed), want: "PushRefused"},
		{name: "branch kept moving", err: fmt.Errorf("write back: %w", writeback.ErrConflict), want: "BranchMoving"},
		{name: "unknown policy", err: fmt.Errorf("app web: %w", errors.Join(&setter.Error{File: "a.yaml", Line: 3, Err: setter.ErrUnknownPolicy})), want: "UnknownPolicy"},
		{name: "other setter error", err: &setter.Error{File: "a.yaml", Err: setter.ErrInvalidYAML}, want: "EditFailed"},
		{name: "typed failure", err: stalled("SecretNotFound", errors.New("x")), want: "SecretNotFound"},
		{name: "anything else", err: errors.New("boom"), want: "ImageUpdateFailed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := imageUpdateReason(tt.err); got != tt.want {
				t.Errorf("reason = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestImageUnknownPolicy: a marker naming a policy that has no latest image
// fails naming the file and line, and says which policies there are.
func TestImageUnknownPolicy(t *testing.T) {
	root := t.TempDir()
	deploy := "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n" +
		"        image: r.example/app:1.0.0 # {\"tugboat\": \"missing\"}\n"
	if err := os.MkdirAll(filepath.Join(root, "apps", "web"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "apps", "web", "deploy.yaml"), []byte(deploy), 0o644); err != nil {
		t.Fatal(err)
	}
	images := map[string]setter.Image{"app": {Repository: "r.example/app", Tag: "1.1.0"}}
	var changes []image.Change
	target := image.Target{App: "web", Path: "apps/web", Request: setter.Request{Policies: images}}
	_, err := explainUnknown(image.Edit([]image.Target{target}, "", &changes), "team", images)(context.Background(), root)
	if !errors.Is(err, setter.ErrUnknownPolicy) {
		t.Fatalf("got %v, want ErrUnknownPolicy", err)
	}
	for _, want := range []string{"apps/web/deploy.yaml:8", `"missing"`, "namespace team", "those are: app"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if imageUpdateReason(err) != "UnknownPolicy" {
		t.Errorf("reason %q, want UnknownPolicy", imageUpdateReason(err))
	}
}

func TestImageScanFailure(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("list tags: %w", source.ErrAuthFailed), "AuthFailed"},
		{fmt.Errorf("list tags: %w", source.ErrAuthRequired), "AuthRequired"},
		{fmt.Errorf("list tags: %w", source.ErrNotFound), "NotFound"},
		{fmt.Errorf("r/app (semver ^3): %w", policy.ErrNoMatch), "NoMatch"},
		{errors.New("dial tcp: connection refused"), "ScanFailed"},
		{stalled("InvalidSpec", errors.New("bad range")), "InvalidSpec"},
	}
	for _, tt := range tests {
		err := scanFailure(tt.err)
		f, ok := failure.Of(err)
		if !ok || f.Reason != tt.want {
			t.Errorf("scanFailure(%v) = %v, want reason %s", tt.err, err, tt.want)
		}
	}
	if scanFailure(nil) != nil {
		t.Error("scanFailure(nil) is not nil")
	}
}
