package pipeline

import (
	"context"
	"log/slog"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/changeset"
	"github.com/tugboat-gitops/tugboat/internal/redact"
)

// describe names a source for logs, credentials stripped.
func describe(src SourceSpec) string {
	s := src.Dir
	if src.Repo != "" {
		s = redact.Text(src.Repo) + "@" + src.Ref + "/" + src.Path
	}
	if src.Chart != nil {
		s = redact.Text(src.Chart.Repo) + "/" + src.Chart.Name + "@" + src.Chart.Version + " " + s
	}
	return s
}

func since(start time.Time) time.Duration { return time.Since(start).Round(time.Millisecond) }

// logPlan logs the plan's summary, and at debug each decision.
func (p *Pipeline) logPlan(ctx context.Context, app string, cs *changeset.Set) {
	p.log.DebugContext(ctx, "planned", "app", app, "changes", cs.Summary())
	if !p.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	for _, c := range cs.Changes {
		p.log.DebugContext(ctx, "plan", "app", app, "object", c.ID.String(), "action", c.Action, "reason", c.Reason)
	}
}

// logged wraps a driver's Applied hook to log each change as it is carried
// out: its id, action and outcome, never its content or error text (the
// driver reports the error).
func (p *Pipeline) logged(ctx context.Context, app string, next func(*changeset.Change)) func(*changeset.Change) {
	return func(c *changeset.Change) {
		level := slog.LevelInfo
		if c.Outcome == changeset.Failed {
			level = slog.LevelWarn
		}
		p.log.Log(ctx, level, "changed", "app", app, "object", c.ID.String(), "action", c.Action, "outcome", c.Outcome)
		if next != nil {
			next(c)
		}
	}
}
