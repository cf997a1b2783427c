package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/tugboat-gitops/tugboat/internal/pipeline"
	"github.com/tugboat-gitops/tugboat/internal/revert"
)

// rollbackResult is what tug rollback did.
type rollbackResult struct {
	App string `json:"app"`
	// Application is "namespace/name" when an Application was rolled back.
	Application string `json:"application,omitempty"`
	// Path is the app's path in the repository.
	Path string `json:"path,omitempty"`
	// Repository is the remote pushed to, without credentials.
	Repository string `json:"repository"`
	Branch     string `json:"branch"`
	// Reverted are the commits reverted, newest first, each with its
	// revert commit.
	Reverted []revert.Reverted `json:"reverted,omitempty"`
	// Restored is the commit the path was restored to, with the commit
	// that did it (none when the path already was as there).
	Restored *revert.Reverted `json:"restored,omitempty"`
	// Commit is the branch's new head, pushed.
	Commit string `json:"commit,omitempty"`
	Pushed bool   `json:"pushed"`
	// Attempts counts the clones the push took (more than one: the
	// branch moved meanwhile).
	Attempts int `json:"attempts,omitempty"`
	// Local says what became of the local checkout.
	Local string `json:"local,omitempty"`
	// Applied are the results of --apply.
	Applied []*pipeline.Result `json:"applied,omitempty"`
}

// WriteText prints a line per revert, then the push. Subjects are quoted
// with %q: a commit message may hold terminal escapes.
func (r *rollbackResult) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, rv := range r.Reverted {
		fmt.Fprintf(&b, "reverted %s %q with %s (%s)\n", shortSHA(rv.Commit), rv.Subject, shortSHA(rv.NewCommit), strings.Join(rv.Files, ", "))
	}
	if rs := r.Restored; rs != nil && rs.NewCommit != "" {
		fmt.Fprintf(&b, "restored %s to %s %q with %s (%s)\n", r.Path, shortSHA(rs.Commit), rs.Subject, shortSHA(rs.NewCommit), strings.Join(rs.Files, ", "))
	}
	switch {
	case r.Restored != nil && !r.Pushed:
		fmt.Fprintf(&b, "%s is already as at %s: nothing to roll back\n", r.Path, shortSHA(r.Restored.Commit))
	case !r.Pushed:
		fmt.Fprintf(&b, "no commit touched %s since the revision given: nothing to roll back\n", r.Path)
	default:
		fmt.Fprintf(&b, "pushed %s to %s of %s", shortSHA(r.Commit), r.Branch, r.Repository)
		if r.Attempts > 1 {
			fmt.Fprintf(&b, " (attempt %d: the branch had moved)", r.Attempts)
		}
		b.WriteString("\n")
	}
	if r.Local != "" {
		b.WriteString(r.Local + "\n")
	}
	if ns, name, ok := strings.Cut(r.Application, "/"); ok && r.Pushed {
		fmt.Fprintf(&b, "the controller deploys it at its next check of Application %s (tug sync %s -n %s checks now)\n", r.Application, name, ns)
	}
	for _, a := range r.Applied {
		fmt.Fprintf(&b, "app %s on %s: %s\n", a.App, a.Cluster, a.ChangeSet.Summary())
	}
	return write(w, []byte(b.String()))
}
