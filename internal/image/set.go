package image

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/template"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/image/setter"
	"github.com/tugboat-gitops/tugboat/internal/image/writeback"
)

// Target is one app's files and what to set in them.
type Target struct {
	// App names the app in changes and messages.
	App string
	// Path is the app's path, relative to the repository root; empty
	// when the app has no files (a chart from a chart repository), and
	// then only Values are set.
	Path    string
	Request setter.Request
	// Values are single fields to set, such as the chart version of the
	// app's entry in the apps file.
	Values []Value
}

// Value is one scalar to set: the field at Path of File (relative to the
// repository root) to New. What names it in changes and messages, as an
// image names an image's change ("chart oci://r/charts/web").
type Value struct {
	File, Path, What, New string
}

// Change is one value set in one app's files.
type Change struct {
	App string `json:"app"`
	// Image is the image repository the value belongs to.
	Image string `json:"image"`
	// Old and New are the field's values: a whole reference, or only its
	// tag, name or digest. Old is empty for an inserted key.
	Old string `json:"old"`
	New string `json:"new"`
	// File is relative to the repository root.
	File   string `json:"file"`
	Line   int    `json:"line"`
	Policy string `json:"policy,omitempty"`
}

// Summary says the update as commit messages do: "web: reg/app 1.0.0 ->
// 1.1.0", a whole reference shortened to its tag (and digest) when it
// names the image.
func (c Change) Summary() string {
	return fmt.Sprintf("%s: %s %s -> %s", c.App, c.Image, short(c.Image, c.Old), short(c.Image, c.New))
}

// String is the change as a line of output: "apps/web/deploy.yaml:12: "
// and its Summary.
func (c Change) String() string {
	return fmt.Sprintf("%s:%d: %s", c.File, c.Line, c.Summary())
}

// Set sets the images of targets in the repository checked out at root.
// Each target is all or nothing (package setter); when one fails, the
// others are still tried, so that the error reports every problem at once,
// and the caller, which works on a checkout it can throw away, writes
// nothing back.
func Set(root string, targets []Target) ([]Change, error) {
	var changes []Change
	var errs []error
	for _, t := range targets {
		var set []setter.Change
		var err error
		if t.Path != "" {
			set, err = setter.Apply(root, t.Path, t.Request)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("app %s: %w", t.App, err))
			continue
		}
		for _, c := range set {
			changes = append(changes, Change{App: t.App, Image: c.Repository, Old: c.Old, New: c.New, File: c.File, Line: c.Line, Policy: c.Policy})
		}
		for _, v := range t.Values {
			c, err := setter.ApplyValue(root, v.File, v.Path, v.New)
			if err != nil {
				errs = append(errs, fmt.Errorf("app %s: %w", t.App, err))
			} else if c != nil {
				changes = append(changes, Change{App: t.App, Image: v.What, Old: c.Old, New: c.New, File: c.File, Line: c.Line})
			}
		}
	}
	return changes, errors.Join(errs...)
}

// DefaultMessage is the commit message template used when none is given.
const DefaultMessage = `tugboat: update images
{{range .Lines}}
{{.}}{{end}}
`

// messageData is what a message template sees.
type messageData struct {
	// Changes are every value set, file by file.
	Changes []Change
	// Lines are "APP: IMAGE OLD -> NEW", one per distinct update.
	Lines []string
}

// Message renders tmpl (DefaultMessage when empty) over changes.
func Message(tmpl string, changes []Change) (string, error) {
	if tmpl == "" {
		tmpl = DefaultMessage
	}
	t, err := template.New("message").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		return "", fmt.Errorf("commit message template: %w", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, messageData{Changes: changes, Lines: lines(changes)}); err != nil {
		return "", fmt.Errorf("commit message template: %w", err)
	}
	msg := strings.TrimSpace(b.String())
	if msg == "" {
		return "", errors.New("commit message template: the message is empty")
	}
	return msg + "\n", nil
}

// lines says each update once, however many fields and files it touched.
func lines(changes []Change) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range changes {
		l := c.Summary()
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

func short(image, value string) string {
	switch {
	case value == "":
		return "(none)"
	case strings.HasPrefix(value, image+":"):
		return value[len(image)+1:]
	case strings.HasPrefix(value, image+"@"):
		return value[len(image)+1:]
	}
	return value
}

// Edit is the writeback.Edit that sets targets in each fresh checkout and
// says so in a message from tmpl; *changes holds the last attempt's
// changes. No change means no commit.
func Edit(targets []Target, tmpl string, changes *[]Change) writeback.Edit {
	return func(_ context.Context, dir string) (string, error) {
		set, err := Set(dir, targets)
		*changes = set
		if err != nil || len(set) == 0 {
			return "", err
		}
		return Message(tmpl, set)
	}
}

// Fields converts an Application's imageUpdate.fields for package setter.
func Fields(u *v1alpha1.ImageUpdateSpec) []setter.Field {
	if u == nil {
		return nil
	}
	out := make([]setter.Field, 0, len(u.Fields))
	for _, f := range u.Fields {
		out = append(out, setter.Field{File: f.File, Path: f.Path, Policy: f.Policy, Part: f.Part})
	}
	return out
}

// DefaultAuthor commits image updates when no author is configured.
var DefaultAuthor = writeback.Signature{Name: "tugboat", Email: "tugboat@tugboat.dev"}

// Author is the author an Application's imageUpdate names, with
// DefaultAuthor's name or email where it names none.
func Author(u *v1alpha1.ImageUpdateSpec) writeback.Signature {
	a := DefaultAuthor
	if u != nil && u.Author != nil {
		if u.Author.Name != "" {
			a.Name = u.Author.Name
		}
		if u.Author.Email != "" {
			a.Email = u.Author.Email
		}
	}
	return a
}
