package pipeline

import (
	"time"

	"github.com/tugboat-gitops/tugboat/internal/render"
)

// App is one deployable unit: where its manifests come from, how they are
// rendered, and how they are synced. tugboat.yaml entries and Application
// resources (through FromSpec) and command-line flags all become an App.
type App struct {
	// Name identifies the app in the cluster: its objects carry it in the
	// tugboat.dev/app label, and its inventory is named after it.
	Name   string
	Source SourceSpec
	Render render.Request
	Sync   SyncOptions
}

// SyncOptions say how an app is brought to its desired state.
type SyncOptions struct {
	// Prune deletes what the app owned and no longer declares.
	Prune bool
	// AllowEmpty lets an app render to no objects (and so prune all).
	AllowEmpty bool
	// Adopt takes over objects another app owns.
	Adopt bool
	// ForceConflicts takes fields from other field managers.
	ForceConflicts bool
	// ForceRecreate re-creates objects whose immutable fields change.
	ForceRecreate bool
	// Wait waits, up to Timeout, for every applied object to be healthy.
	Wait    bool
	Timeout time.Duration
	// Concurrency bounds the requests in flight (default 32).
	Concurrency int
}
