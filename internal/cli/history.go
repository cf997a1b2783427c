package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/history"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/redact"
)

type historyOptions struct {
	namespace string
	app, file string
	limit     int
}

func newHistoryCommand(g *GlobalOptions) *cobra.Command {
	o := &historyOptions{}
	cmd := &cobra.Command{
		Use:   "history APP | --app NAME",
		Short: "Show what git says of an app beside what ran: its syncs, or its path's log with the live commit",
		Long: `tug history APP shows an Application's last syncs that changed something
or failed (its status), each joined with its commit in the Application's
repository: author and subject. Above them, marked pending, are the
commits of the app's path after the last sync: in git, not applied yet.
TIME is when a sync ran, or when a pending commit was made.

tug history --app NAME shows the log of an app of tugboat.yaml: the
commits that changed its path in the local checkout (first parents,
newest first), or in its repo: when it has one. The commit whose files
run in the app's cluster (its inventory record, which tug apply and the
controller both keep) is marked live, the ones after it pending.

The repository of an Application, or of an app's repo:, is fetched into
tug's cache; when a commit is older than what the cache holds, its full
history is fetched once, and a commit on no branch or tag any more shows
as (not fetched). Git credentials come from the Application's secretRef,
else from TUGBOAT_GIT_*.`,
		Example: `  tug history web -n team
  tug history --app web-prod --limit 5 -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var out TextWriter
			var err error
			switch {
			case o.limit < 1:
				return fmt.Errorf("--limit %d: want at least 1", o.limit)
			case len(args) == 1 && o.app != "":
				return errors.New("give an Application (APP) or an app of the apps file (--app NAME), not both")
			case len(args) == 1:
				out, err = o.pull(cmd.Context(), g, args[0])
			case o.app != "":
				out, err = o.push(cmd, g)
			default:
				return errors.New("give an Application (APP) or an app of the apps file (--app NAME)")
			}
			if err != nil {
				return err
			}
			return g.Print(out)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.namespace, "namespace", "n", "", "the Application's namespace (default: the context's)")
	f.StringVar(&o.app, "app", "", "an app of the apps file, applied with tug apply")
	f.StringVarP(&o.file, "file", "f", v1alpha1.FileName, "the repository's apps file, with --app")
	f.IntVar(&o.limit, "limit", history.DefaultLimit, "how many commits to list (with APP: pending commits)")
	return cmd
}

// pull joins an Application's syncs with the git log of its repository.
func (o *historyOptions) pull(ctx context.Context, g *GlobalOptions, name string) (*pullHistory, error) {
	_, app, pa, err := readApplication(ctx, g, o.namespace, name)
	if err != nil {
		return nil, err
	}
	out := &pullHistory{Application: app.Namespace + "/" + app.Name, History: []syncRow{}}
	for _, r := range app.Status.History {
		out.History = append(out.History, syncRow{SyncRecord: r})
	}
	src := pa.Source
	if src.Repo == "" {
		out.Notes = append(out.Notes, "the Application deploys a chart from a chart repository: there is no git history to join")
		return out, nil
	}
	out.Repo, out.Path = redact.Text(src.Repo), path.Clean("./"+src.Path)
	creds := src.Credentials
	if creds.IsZero() {
		if creds, err = gitCredentials(); err != nil {
			return nil, err
		}
	}
	h, err := fetchHistory(ctx, src.Repo, src.Ref, src.Path, creds)
	if err != nil {
		// The syncs stand on their own: git only adds to them.
		out.Notes = append(out.Notes, fmt.Sprintf("commits not joined: %v", err))
		return out, nil
	}
	out.Head = h.head.String()
	if err := out.join(ctx, h, app.Status, o.limit); err != nil {
		return nil, err
	}
	out.Notes = append(out.Notes, h.notes...)
	return out, nil
}

// join reads each sync's commit, and the commits after the last sync
// attempted (every commit of the path when none was).
func (h *pullHistory) join(ctx context.Context, repo *historyRepo, st v1alpha1.ApplicationStatus, limit int) error {
	if err := h.joinCommits(ctx, repo); err != nil {
		return err
	}
	return h.joinPending(ctx, repo, st, limit)
}

// joinCommits reads the commit of each sync.
func (h *pullHistory) joinCommits(ctx context.Context, repo *historyRepo) error {
	for i := range h.History {
		c, ok := history.Revision(h.History[i].Revision)
		if !ok {
			continue
		}
		commit, found, err := repo.commit(ctx, c)
		if err != nil {
			return err
		}
		if h.History[i].NotFetched = !found; found {
			h.History[i].Commit = &commit
		}
	}
	return nil
}

// joinPending lists the commits of the path after the last sync.
func (h *pullHistory) joinPending(ctx context.Context, repo *historyRepo, st v1alpha1.ApplicationStatus, limit int) error {
	last := st.LastAttemptedRevision
	if last == "" && len(st.History) > 0 {
		last = st.History[0].Revision
	}
	mark, ok := history.Revision(last)
	if last != "" && !ok {
		h.Notes = append(h.Notes, fmt.Sprintf("the last sync was of %s, which names no commit: pending commits unknown", last))
		return nil
	}
	log, err := repo.log(ctx, history.Options{Limit: limit, Mark: mark, UntilMark: ok})
	if err != nil {
		return err
	}
	switch {
	case ok && !log.Marked:
		h.Notes = append(h.Notes, fmt.Sprintf("the last sync's commit %s is not on the first-parent history of %s: pending commits unknown",
			shortSHA(mark.String()), shortSHA(repo.head.String())))
		return nil
	case !ok:
		h.Notes = append(h.Notes, "no sync attempted yet: every commit of the path is pending")
	}
	h.Pending = log.Entries
	if len(log.Entries) == limit {
		h.Notes = append(h.Notes, fmt.Sprintf("pending: the newest %d commits listed (--limit)", limit))
	}
	return nil
}

// push lists the log of an app of the apps file, marking the commit its
// inventory record names.
func (o *historyOptions) push(cmd *cobra.Command, g *GlobalOptions) (*pushHistory, error) {
	ctx := cmd.Context()
	named := &appNameOptions{appOptions{file: o.file, app: o.app}}
	if named.undeclared() {
		return nil, fmt.Errorf("app %s is not in %s: its path is unknown", o.app, o.file)
	}
	targets, err := named.named(g, cmd)
	if err != nil {
		return nil, err
	}
	t := targets[0]
	out := &pushHistory{App: t.app.Name, Cluster: t.cluster.Name, Commits: []pushCommit{}}
	repo, err := appRepo(ctx, t)
	if err != nil {
		return nil, err
	}
	if t.app.Source.Repo != "" {
		out.Repo = redact.Text(t.app.Source.Repo)
	}
	inv, err := (&inventory.Store{Cluster: t.cluster}).Load(ctx, t.app.Name)
	if err != nil {
		return nil, err
	}
	out.Path, out.Head, out.Live = repo.path, repo.head.String(), inv.Revision
	live, ok := history.Revision(inv.Revision)
	log, err := repo.log(ctx, history.Options{Limit: o.limit, Mark: live})
	if err != nil {
		return nil, err
	}
	for i, e := range log.Entries {
		out.Commits = append(out.Commits, pushCommit{Entry: e, State: state(log, i)})
	}
	out.Notes = append(out.liveNotes(inv, live, ok, log), repo.notes...)
	if !log.Missing.IsZero() && repo.fetched == nil {
		out.Notes = append(out.Notes, fmt.Sprintf("the checkout is shallow: history ends at %s (git fetch --unshallow)", shortSHA(log.Missing.String())))
	}
	return out, nil
}

// appRepo opens where an app of the apps file has its files: the local
// checkout, or its repo: fetched.
func appRepo(ctx context.Context, t target) (*historyRepo, error) {
	src := t.app.Source
	switch {
	case src.Repo != "":
		return fetchHistory(ctx, src.Repo, src.Ref, src.Path, src.Credentials)
	case src.Dir != "":
		return localHistory(src.Dir)
	}
	return nil, fmt.Errorf("app %s deploys a chart from a chart repository: there is no git history to read", t.app.Name)
}

// state is what runs of the log's entry i: the newest at or before the
// marked commit is live, the ones after it pending.
func state(log *history.Log, i int) string {
	switch {
	case !log.Marked:
		return ""
	case i < log.Newer:
		return statePending
	case i == log.Newer:
		return stateLive
	}
	return ""
}

// liveNotes say where the live commit is when no commit listed is marked
// live, and when the record is not final.
func (h *pushHistory) liveNotes(inv *inventory.Inventory, live plumbing.Hash, ok bool, log *history.Log) []string {
	where := fmt.Sprintf("app %s in cluster %s", h.App, h.Cluster)
	var notes []string
	switch {
	case inv.ResourceVersion == "":
		return []string{where + ": nothing recorded (never applied there?)"}
	case !ok:
		notes = append(notes, fmt.Sprintf("%s was applied from %s, which names no commit", where, cmp.Or(inv.Revision, "a directory outside git")))
	case !log.Marked:
		notes = append(notes, fmt.Sprintf("%s runs %s, which is not on the first-parent history read from %s", where, shortSHA(live.String()), shortSHA(h.Head)))
	case log.Newer == len(log.Entries):
		notes = append(notes, fmt.Sprintf("%s runs %s, older than the commits listed", where, shortSHA(live.String())))
	}
	if inv.Pending {
		notes = append(notes, where+": an apply is in progress, or was interrupted")
	}
	return notes
}
