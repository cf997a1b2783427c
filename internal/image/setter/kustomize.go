package setter

import (
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// kustomize sets the `images:` entries of a kustomization whose name (or
// newName, if set) is the repository of a policy's image, or of one of
// r.Repositories.
func (s *fileSetter) kustomize(docs []*yaml.Node) {
	for _, doc := range docs {
		images := lookup(doc, []step{{key: "images"}})
		if images == nil || images.Kind != yaml.SequenceNode {
			continue
		}
		for _, entry := range images.Content {
			if entry.Kind == yaml.MappingNode {
				s.entry(entry)
			}
		}
	}
}

func (s *fileSetter) entry(entry *yaml.Node) {
	keys := map[string]*yaml.Node{}
	for i := 0; i+1 < len(entry.Content); i += 2 {
		keys[entry.Content[i].Value] = entry.Content[i+1]
	}
	repo := ""
	if n := keys["newName"]; n != nil && n.Value != "" {
		repo = n.Value
	} else if n := keys["name"]; n != nil {
		repo = n.Value
	}
	img, policy, ok := s.entryImage(repo, entry.Line)
	if !ok {
		return
	}
	if img.Digest != "" {
		s.setKey(entry, keys, "digest", img.Digest, policy, img.Repository)
		if keys["newTag"] != nil && img.Tag != "" {
			s.setKey(entry, keys, "newTag", img.Tag, policy, img.Repository)
		}
		return
	}
	if d := keys["digest"]; d != nil {
		s.fail(d.Line, ErrConflict, "image %s pins digest %s, and the update to %s has no digest", repo, d.Value, img)
		return
	}
	if img.Tag == "" {
		s.fail(entry.Line, ErrNoValue, "image %q has no tag", img.String())
		return
	}
	s.setKey(entry, keys, "newTag", img.Tag, policy, img.Repository)
}

// entryImage finds the image for a repository: from the one policy whose
// image has it, or from r.Repositories.
func (s *fileSetter) entryImage(repo string, line int) (Image, string, bool) {
	if repo == "" {
		return Image{}, "", false
	}
	var names []string
	for name, img := range s.req.Policies {
		if img.Repository == repo {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names[min(1, len(names)):] {
		if s.req.Policies[name] != s.req.Policies[names[0]] {
			s.fail(line, ErrConflict, "policies %s choose different images for %s", strings.Join(names, ", "), repo)
			return Image{}, "", false
		}
	}
	if len(names) > 0 {
		return s.req.Policies[names[0]], names[0], true
	}
	img, ok := s.forRepository(repo)
	return img, "", ok
}

// setKey sets key in a kustomization entry, or adds it on a new line after
// the entry's last one, at the indentation of its keys.
func (s *fileSetter) setKey(entry *yaml.Node, keys map[string]*yaml.Node, key, value, policy, repo string) {
	if n := keys[key]; n != nil {
		if _, marked := s.done[n]; !marked {
			s.set(n, value, policy, repo)
		}
		return
	}
	if entry.Style&yaml.FlowStyle != 0 {
		s.fail(entry.Line, ErrNotSettable, "cannot add %s to a flow mapping", key)
		return
	}
	last := entry.Content[len(entry.Content)-1]
	lastStart, _, err := s.text.scalarSpan(last)
	if err != nil {
		s.fail(last.Line, ErrNotSettable, "cannot add %s after %v", key, err)
		return
	}
	out, err := render(value, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str"})
	if err != nil {
		s.fail(entry.Line, ErrBadValue, "%v", err)
		return
	}
	at, br := s.text.lineEnd(lastStart)
	if br == "" {
		br = s.text.firstBreak()
	}
	s.edits = append(s.edits, edit{start: at, end: at, text: br + s.indent(entry.Content[0]) + key + ": " + out, change: Change{
		File: s.name, Line: last.Line + 1, Policy: policy, Repository: repo, New: value,
	}})
}

// indent is the text before a key on its line, with the sequence's dash
// blanked: "- name: x" gives "  ".
func (s *fileSetter) indent(key *yaml.Node) string {
	start := s.text.starts[key.Line-1]
	off, err := s.text.offset(key.Line, key.Column)
	if err != nil {
		return ""
	}
	return strings.Map(func(r rune) rune {
		if r == '\t' {
			return r
		}
		return ' '
	}, string(s.text.data[start:off]))
}
