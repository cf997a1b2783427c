package setter

import (
	"strings"
)

// resolve sets every target from the image of its policy.
func (s *fileSetter) resolve(targets []target) {
	group := s.byRepository(targets)
	for _, t := range targets {
		img, policy, ok := s.imageFor(t, group)
		if !ok {
			continue
		}
		value, ok := s.valueFor(t, img)
		if ok {
			s.set(t.node, value, policy, img.Repository)
		}
	}
}

// byRepository finds, for a `tug image set`, the image of each policy
// whose full-reference or :name targets in this file hold a repository
// being set, so that its :tag and :digest targets follow.
func (s *fileSetter) byRepository(targets []target) map[string]Image {
	group := map[string]Image{}
	if s.req.Repositories == nil {
		return group
	}
	for _, t := range targets {
		if _, ok := s.req.Policies[t.policy]; ok {
			continue
		}
		if img, ok := s.repository(t); ok {
			if _, seen := group[t.policy]; !seen {
				group[t.policy] = img
			}
		}
	}
	return group
}

// repository is the image to set for a full-reference or :name target
// by the repository it holds.
func (s *fileSetter) repository(t target) (Image, bool) {
	switch t.part {
	case PartFull:
		return s.forRepository(repositoryOf(t.node.Value))
	case PartName:
		return s.forRepository(t.node.Value)
	}
	return Image{}, false
}

func (s *fileSetter) forRepository(repo string) (Image, bool) {
	img, ok := s.req.Repositories[repo]
	if ok && img.Repository == "" {
		img.Repository = repo
	}
	return img, ok
}

// imageFor returns a target's image and policy; ok is false when the
// target is skipped (a `tug image set` for other repositories) or failed.
func (s *fileSetter) imageFor(t target, group map[string]Image) (Image, string, bool) {
	if img, ok := s.req.Policies[t.policy]; ok {
		return img, t.policy, true
	}
	if s.req.Repositories == nil {
		s.fail(t.node.Line, ErrUnknownPolicy, "%q", t.policy)
		return Image{}, "", false
	}
	if img, ok := s.repository(t); ok {
		return img, "", true
	}
	if t.part == PartTag || t.part == PartDigest {
		img, ok := group[t.policy]
		return img, "", ok
	}
	return Image{}, "", false
}

// valueFor is the part of img a target holds. An update by digest leaves
// :tag targets alone when it has no tag.
func (s *fileSetter) valueFor(t target, img Image) (string, bool) {
	var v string
	switch t.part {
	case PartFull:
		if img.Repository != "" {
			v = img.String()
		}
	case PartName:
		v = img.Repository
	case PartTag:
		if img.Tag == "" && img.Digest != "" {
			return "", false
		}
		v = img.Tag
	case PartDigest:
		v = img.Digest
	}
	if v == "" {
		s.fail(t.node.Line, ErrNoValue, "image %q has no %s", img.String(), partName(t.part))
		return "", false
	}
	return v, true
}

func partName(part string) string {
	if part == PartFull {
		return "repository"
	}
	return part
}

// repositoryOf strips the tag and digest from an image reference.
func repositoryOf(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}
