package cli

import (
	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/internal/pipeline"
)

// syncFlags are the sync options diff and apply share. For apps of the apps
// file, only flags given on the command line override the file.
type syncFlags struct {
	pipeline.SyncOptions
	cmd *cobra.Command
}

func (s *syncFlags) addFlags(cmd *cobra.Command, withWait bool) {
	s.cmd = cmd
	f := cmd.Flags()
	f.BoolVar(&s.Prune, "prune", true, "delete what the app owned and no longer declares")
	f.BoolVar(&s.AllowEmpty, "allow-empty", false, "let an app render to no objects (pruning all it owns)")
	f.BoolVar(&s.Adopt, "adopt", false, "take over objects another app owns")
	f.BoolVar(&s.ForceConflicts, "force-conflicts", false, "take fields over from other field managers")
	f.BoolVar(&s.ForceRecreate, "force-recreate", false, "re-create objects whose immutable fields change")
	f.IntVar(&s.Concurrency, "concurrency", 32, "requests in flight at most")
	if withWait {
		f.BoolVar(&s.Wait, "wait", false, "wait until every applied object is healthy")
		f.DurationVar(&s.Timeout, "timeout", pipeline.DefaultTimeout, "how long --wait waits")
	}
}

// apply sets the options on app: all of them for a bare app, the ones
// given on the command line for an app of the apps file.
func (s *syncFlags) apply(app *pipeline.App, fromFile bool) {
	if !fromFile {
		app.Sync = s.SyncOptions
		if app.Sync.Timeout == 0 {
			app.Sync.Timeout = pipeline.DefaultTimeout
		}
		return
	}
	set := map[string]func(){
		"prune":           func() { app.Sync.Prune = s.Prune },
		"allow-empty":     func() { app.Sync.AllowEmpty = s.AllowEmpty },
		"adopt":           func() { app.Sync.Adopt = s.Adopt },
		"force-conflicts": func() { app.Sync.ForceConflicts = s.ForceConflicts },
		"force-recreate":  func() { app.Sync.ForceRecreate = s.ForceRecreate },
		"concurrency":     func() { app.Sync.Concurrency = s.Concurrency },
		"wait":            func() { app.Sync.Wait = s.Wait },
		"timeout":         func() { app.Sync.Timeout = s.Timeout },
	}
	for name, fn := range set {
		if f := s.cmd.Flag(name); f != nil && f.Changed {
			fn()
		}
	}
}
