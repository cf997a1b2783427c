package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/history"
)

// The states of a commit in a history: what runs, and what is in git but
// not applied yet.
const (
	stateLive    = "live"
	statePending = "pending"
)

// notFetched stands for what git could not say of a commit.
const notFetched = "(not fetched)"

// pullHistory is an Application's syncs, each joined with its commit, and
// the commits of its path after the last one.
type pullHistory struct {
	Application string `json:"application"`
	Repo        string `json:"repo,omitempty"`
	Path        string `json:"path,omitempty"`
	// Head is the commit of the Application's ref now.
	Head string `json:"head,omitempty"`
	// Pending are the commits of the path after the last sync, newest
	// first: in git, not applied yet.
	Pending []history.Entry `json:"pending,omitempty"`
	History []syncRow       `json:"history"`
	Notes   []string        `json:"notes,omitempty"`
}

// syncRow is one sync and what git says of its commit.
type syncRow struct {
	v1alpha1.SyncRecord
	Commit *history.Commit `json:"commit,omitempty"`
	// NotFetched: the revision names a commit the repository's branches
	// and tags no longer hold.
	NotFetched bool `json:"notFetched,omitempty"`
}

// pushHistory is the log of an app's path, the live commit marked.
type pushHistory struct {
	App     string `json:"app"`
	Cluster string `json:"cluster"`
	// Repo is the repository's URL, for an app of another repository.
	Repo string `json:"repo,omitempty"`
	Path string `json:"path"`
	// Head is the commit whose first parents are listed.
	Head string `json:"head"`
	// Live is the revision the app's inventory record names.
	Live    string       `json:"live,omitempty"`
	Commits []pushCommit `json:"commits"`
	Notes   []string     `json:"notes,omitempty"`
}

// pushCommit is a commit of the path; State is live for the one whose
// files run, pending for those after it.
type pushCommit struct {
	history.Entry
	State string `json:"state,omitempty"`
}

func (h *pullHistory) WriteText(w io.Writer) error {
	header := []string{"SHA", "TIME", "AUTHOR", "RESULT", "CHANGES", "SUBJECT"}
	withMessage := false
	for _, r := range h.History {
		withMessage = withMessage || r.Message != ""
	}
	if withMessage {
		header = append(header, "MESSAGE")
	}
	rows := [][]string{header}
	for _, e := range h.Pending {
		rows = append(rows, entryRow(e, statePending, withMessage))
	}
	for _, r := range h.History {
		rows = append(rows, r.row(withMessage))
	}
	return writeHistory(w, rows, h.Notes)
}

func (r syncRow) row(withMessage bool) []string {
	sha, author, subject := orNone(r.Revision), none, none
	if c, ok := history.Revision(r.Revision); ok {
		sha = shortSHA(c.String())
	}
	switch {
	case r.Commit != nil:
		author, subject = r.Commit.Author, r.Commit.Subject
	case r.NotFetched:
		subject = notFetched
	}
	row := []string{sha, timestamp(r.Time.Time), author, orNone(r.Result), orNone(r.Changes), textCell(subject)}
	if withMessage {
		row = append(row, textCell(r.Message))
	}
	return row
}

func (h *pushHistory) WriteText(w io.Writer) error {
	rows := [][]string{{"SHA", "TIME", "AUTHOR", "STATE", "CHANGES", "SUBJECT"}}
	for _, c := range h.Commits {
		rows = append(rows, entryRow(c.Entry, c.State, false))
	}
	return writeHistory(w, rows, h.Notes)
}

// entryRow is a commit of the path: its time is when it was committed,
// its changes are files.
func entryRow(e history.Entry, state string, withMessage bool) []string {
	row := []string{shortSHA(e.SHA), timestamp(e.Time), e.Author, orNone(state), orNone(e.Changes.String()), textCell(e.Subject)}
	if withMessage {
		row = append(row, none)
	}
	return row
}

func writeHistory(w io.Writer, rows [][]string, notes []string) error {
	if err := (&table{}).write(w, rows...); err != nil {
		return err
	}
	for _, n := range notes {
		if _, err := fmt.Fprintf(w, "note: %s\n", n); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	return nil
}

func timestamp(t time.Time) string {
	if t.IsZero() {
		return none
	}
	return t.UTC().Format(time.RFC3339)
}

// textCell is free text on one line, cut to fit a table.
func textCell(s string) string {
	return orNone(truncate(strings.TrimSpace(oneLine(s)), 60))
}
