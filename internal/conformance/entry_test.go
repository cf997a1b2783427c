package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// corpusDir is the corpus, relative to this package.
const corpusDir = "../../testdata/conformance"

// entry is an entry.yaml, as testdata/conformance/README.md describes it.
type entry struct {
	Origin    origin         `json:"origin"`
	Renderer  string         `json:"renderer"`
	Path      string         `json:"path"`
	Helm      helmEntry      `json:"helm"`
	Kustomize kustomizeEntry `json:"kustomize"`
	Namespace string         `json:"namespace"`
	Features  []string       `json:"features"`
	Apply     *bool          `json:"apply"`
	Notes     string         `json:"notes"`
	// Refused is text Tugboat's error must contain: the entry is one
	// Tugboat refuses on purpose.
	Refused string `json:"refused"`
	// Ignore masks fields a chart fills with random values.
	Ignore []string `json:"ignore"`
	// NotApplied says why an entry with apply: false cannot run on the
	// local cluster.
	NotApplied string `json:"notApplied"`
	// ApplyError is text the apply's error must contain: the entry's
	// manifests are invalid upstream, and the apply must refuse them
	// before its first write.
	ApplyError string `json:"applyError"`

	// name is the entry's directory; root is its repo/, absolute.
	name, root string
	masks      []mask
}

type origin struct {
	Repo    string `json:"repo"`
	Path    string `json:"path"`
	Commit  string `json:"commit"`
	License string `json:"license"`
}

type helmEntry struct {
	ReleaseName string   `json:"releaseName"`
	Namespace   string   `json:"namespace"`
	ValuesFiles []string `json:"valuesFiles"`
	Set         []string `json:"set"`
}

type kustomizeEntry struct {
	EnableHelm bool `json:"enableHelm"`
}

// features are the feature words the README defines.
var features = map[string]bool{
	"hooks": true, "test-hooks": true, "script-vars": true, "lookup": true,
	"capabilities": true, "tpl": true, "library-chart": true, "crds-dir": true,
	"dependencies": true, "components": true, "replacements": true,
	"generator-merge": true, "helmCharts": true, "openapi": true,
	"no-namespace": true, "patches": true, "crds": true,
}

// loadEntries reads every entry of the corpus, in directory order.
func loadEntries() ([]*entry, error) {
	dir, err := filepath.Abs(corpusDir)
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "*", "entry.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no entries in %s", dir)
	}
	sort.Strings(files)
	out := make([]*entry, 0, len(files))
	for _, f := range files {
		e, err := loadEntry(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, e)
	}
	return out, nil
}

func loadEntry(file string) (*entry, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	e := &entry{}
	// Strict: a misspelt field would otherwise be silently ignored.
	if err := yaml.UnmarshalStrict(data, e); err != nil {
		return nil, err
	}
	e.name = filepath.Base(filepath.Dir(file))
	e.root = filepath.Join(filepath.Dir(file), "repo")
	if err := e.check(); err != nil {
		return nil, err
	}
	for _, s := range e.Ignore {
		m, err := parseMask(s)
		if err != nil {
			return nil, err
		}
		e.masks = append(e.masks, m)
	}
	return e, nil
}

// check refuses entries the README does not allow.
func (e *entry) check() error {
	switch {
	case e.Origin.Repo == "" || e.Origin.Path == "" || e.Origin.Commit == "" || e.Origin.License == "":
		return fmt.Errorf("origin needs repo, path, commit and license")
	case e.Renderer != "helm" && e.Renderer != "kustomize" && e.Renderer != "plain":
		return fmt.Errorf("renderer %q: want helm, kustomize or plain", e.Renderer)
	case e.Path == "":
		return fmt.Errorf("no path")
	case e.Apply == nil:
		return fmt.Errorf("no apply: say true or false")
	case !*e.Apply && e.NotApplied == "":
		return fmt.Errorf("apply: false needs notApplied: why")
	case !*e.Apply && e.ApplyError != "":
		return fmt.Errorf("applyError needs apply: true")
	}
	for _, f := range e.Features {
		if !features[f] {
			return fmt.Errorf("unknown feature %q", f)
		}
	}
	if info, err := os.Stat(filepath.Join(e.root, e.Path)); err != nil || !info.IsDir() {
		return fmt.Errorf("path %s is not a directory of repo/", e.Path)
	}
	return nil
}

// mask is one ignore item: a field of the objects of a kind and name.
type mask struct {
	kind, name string
	path       []string
	text       string
}

// parseMask reads "Kind/name:dotted.field.path". A backslash escapes a dot
// that belongs to a key ("data.tls\.crt"); a number indexes a list.
func parseMask(s string) (mask, error) {
	obj, field, ok := strings.Cut(s, ":")
	kind, name, ok2 := strings.Cut(obj, "/")
	if !ok || !ok2 || kind == "" || name == "" || field == "" {
		return mask{}, fmt.Errorf("ignore %q: want Kind/name:dotted.field.path", s)
	}
	var path []string
	var key strings.Builder
	for i := 0; i < len(field); i++ {
		switch {
		case field[i] == '\\' && i+1 < len(field) && field[i+1] == '.':
			key.WriteByte('.')
			i++
		case field[i] == '.':
			path = append(path, key.String())
			key.Reset()
		default:
			key.WriteByte(field[i])
		}
	}
	path = append(path, key.String())
	for _, p := range path {
		if p == "" {
			return mask{}, fmt.Errorf("ignore %q: empty key in the field path", s)
		}
	}
	return mask{kind: kind, name: name, path: path, text: s}, nil
}
