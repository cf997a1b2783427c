package setter

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"

	"go.yaml.in/yaml/v3"
)

// kustomizationNames are the file names kustomize reads.
var kustomizationNames = map[string]bool{"kustomization.yaml": true, "kustomization.yml": true, "Kustomization": true}

func isKustomization(name string) bool { return kustomizationNames[path.Base(name)] }

// SetFile sets the targets of r in one file and returns its new bytes and
// the changes, in line order. Only files that can hold a target are
// parsed: those with a marker comment, kustomization files (by name) and
// files named by r.Fields; any other file, a Helm template for one, comes
// back as it is. On error out is nil, and the error (one *Error per
// problem, joined) names the file and, where there is one, the line.
func SetFile(name string, data []byte, r Request) (out []byte, changes []Change, err error) {
	fields := fieldsFor(name, r.Fields)
	if !isKustomization(name) && !hasMarker(data) && len(fields) == 0 {
		return data, nil, nil
	}
	docs, err := parseDocs(data)
	if err != nil {
		return nil, nil, &Error{File: name, Err: fmt.Errorf("%w: %v", ErrInvalidYAML, err)}
	}
	s := &fileSetter{name: name, text: newText(data), req: r, done: map[*yaml.Node]int{}}
	m := markers{file: name, text: s.text}
	for _, doc := range docs {
		m.walk(doc)
	}
	ft, errs := fieldTargets(name, docs, fields)
	errs = append(m.errs, errs...)
	s.errs = errs
	s.resolve(append(m.targets, ft...))
	if isKustomization(name) {
		s.kustomize(docs)
	}
	if len(s.errs) > 0 {
		return nil, nil, errors.Join(s.errs...)
	}
	return s.finish(data)
}

func fieldsFor(name string, fields []Field) []Field {
	var out []Field
	for _, f := range fields {
		if path.Clean(f.File) == path.Clean(name) {
			out = append(out, f)
		}
	}
	return out
}

// parseDocs parses every document of a YAML stream.
func parseDocs(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, &doc)
	}
}

// fileSetter gathers the edits of one file.
type fileSetter struct {
	name  string
	text  *text
	req   Request
	edits []edit
	done  map[*yaml.Node]int // scalar -> its edit's index, or -1 if unchanged
	errs  []error
}

// edit replaces data[start:end] with text.
type edit struct {
	start, end int
	text       string
	change     Change
}

// set replaces a scalar's value. A scalar set twice must be set alike.
func (s *fileSetter) set(n *yaml.Node, value, policy, repo string) {
	start, end, err := s.text.scalarSpan(n)
	if err != nil {
		s.fail(n.Line, ErrNotSettable, "%v", err)
		return
	}
	if i, seen := s.done[n]; seen {
		if (i < 0 && value != n.Value) || (i >= 0 && value != s.edits[i].change.New) {
			s.fail(n.Line, ErrConflict, "set to both %q and %q", n.Value, value)
		}
		return
	}
	s.done[n] = -1
	if value == n.Value {
		return
	}
	out, err := render(value, n)
	if err != nil {
		s.fail(n.Line, ErrBadValue, "%v", err)
		return
	}
	if start == end {
		out = " " + out
	}
	s.done[n] = len(s.edits)
	s.edits = append(s.edits, edit{start: start, end: end, text: out, change: Change{
		File: s.name, Line: n.Line, Policy: policy, Repository: repo, Old: n.Value, New: value,
	}})
}

func (s *fileSetter) fail(line int, kind error, format string, args ...any) {
	s.errs = append(s.errs, errAt(s.name, line, kind, format, args...))
}

// finish splices the edits and checks the result still parses.
func (s *fileSetter) finish(data []byte) ([]byte, []Change, error) {
	if len(s.edits) == 0 {
		return data, nil, nil
	}
	sort.SliceStable(s.edits, func(i, j int) bool { return s.edits[i].start < s.edits[j].start })
	var out bytes.Buffer
	var changes []Change
	last := 0
	for _, e := range s.edits {
		if e.start < last {
			return nil, nil, &Error{File: s.name, Line: e.change.Line, Err: fmt.Errorf("overlapping edits")}
		}
		out.Write(data[last:e.start])
		out.WriteString(e.text)
		last = e.end
		changes = append(changes, e.change)
	}
	out.Write(data[last:])
	if _, err := parseDocs(out.Bytes()); err != nil {
		return nil, nil, &Error{File: s.name, Err: fmt.Errorf("the edited file would not parse: %v", err)}
	}
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].Line < changes[j].Line })
	return out.Bytes(), changes, nil
}
