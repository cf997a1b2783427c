package setter

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// step is one key or one index of a field path.
type step struct {
	key   string
	index int // used when key is ""
}

// parsePath reads "a.b[0].c" (and "[1].x" for a top-level sequence).
func parsePath(p string) ([]step, error) {
	if p == "" {
		return nil, fmt.Errorf("empty path")
	}
	var steps []step
	for _, seg := range strings.Split(p, ".") {
		key, rest, _ := strings.Cut(seg, "[")
		if key == "" && (rest == "" || len(steps) > 0) {
			return nil, fmt.Errorf("invalid path %q: empty key", p)
		}
		if key != "" {
			steps = append(steps, step{key: key})
		}
		for rest != "" {
			num, after, ok := strings.Cut(rest, "]")
			i, err := strconv.Atoi(num)
			if !ok || err != nil || i < 0 || (after != "" && !strings.HasPrefix(after, "[")) {
				return nil, fmt.Errorf("invalid path %q: want key[N]", p)
			}
			steps = append(steps, step{index: i})
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return steps, nil
}

// lookup follows steps from a document's root; nil if absent.
func lookup(doc *yaml.Node, steps []step) *yaml.Node {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	n := doc.Content[0]
	for _, s := range steps {
		n = child(n, s)
		if n == nil {
			return nil
		}
	}
	return n
}

func child(n *yaml.Node, s step) *yaml.Node {
	switch {
	case s.key != "" && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == s.key {
				return n.Content[i+1]
			}
		}
	case s.key == "" && n.Kind == yaml.SequenceNode && s.index < len(n.Content):
		return n.Content[s.index]
	}
	return nil
}

// fieldTargets looks up the fields that name file, in every document.
func fieldTargets(file string, docs []*yaml.Node, fields []Field) ([]target, []error) {
	var targets []target
	var errs []error
	for _, f := range fields {
		if path.Clean(f.File) != path.Clean(file) {
			continue
		}
		if f.Part != PartFull && f.Part != PartTag && f.Part != PartName && f.Part != PartDigest {
			errs = append(errs, errAt(file, 0, ErrPathNotFound, "field %s: unknown part %q, want tag, name or digest", f.Path, f.Part))
			continue
		}
		steps, err := parsePath(f.Path)
		if err != nil {
			errs = append(errs, errAt(file, 0, ErrPathNotFound, "%v", err))
			continue
		}
		found := false
		for _, doc := range docs {
			if n := lookup(doc, steps); n != nil {
				targets = append(targets, target{node: n, policy: f.Policy, part: f.Part})
				found = true
			}
		}
		if !found {
			errs = append(errs, errAt(file, 0, ErrPathNotFound, "%s", f.Path))
		}
	}
	return targets, errs
}
