package git

import (
	"fmt"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

// maxListedRefs bounds the branches and tags a "not found" error lists.
const maxListedRefs = 10

// target is what a Ref resolved to against the remote's ref advertisement.
type target struct {
	// label names the ref in the Revision ("main", "v1.3.1"); empty for a
	// ref given as a commit.
	label string
	// remote is the branch or tag to fetch; empty when the commit is at no
	// tip, or known only by a prefix matching no tip.
	remote plumbing.ReferenceName
	// commit is the full SHA; empty when only prefix is known.
	commit string
	// prefix is an abbreviated commit to look up in the cached repository.
	prefix string
}

// remoteRefs indexes a ref advertisement.
type remoteRefs struct {
	// commits maps each branch and tag to its commit, annotated tags peeled.
	commits map[plumbing.ReferenceName]string
	// head is the branch the remote's HEAD points to, if any.
	head plumbing.ReferenceName
}

// indexRefs indexes the references returned by a list with peeled tags
// appended ("refs/tags/v1^{}" names the commit of annotated tag v1).
func indexRefs(refs []*plumbing.Reference) remoteRefs {
	idx := remoteRefs{commits: map[plumbing.ReferenceName]string{}}
	peeled := map[plumbing.ReferenceName]string{}
	for _, r := range refs {
		name := r.Name()
		switch {
		case name == plumbing.HEAD && r.Type() == plumbing.SymbolicReference:
			idx.head = r.Target()
		case r.Type() != plumbing.HashReference:
		case strings.HasSuffix(name.String(), "^{}"):
			peeled[plumbing.ReferenceName(strings.TrimSuffix(name.String(), "^{}"))] = r.Hash().String()
		case name.IsBranch() || name.IsTag():
			idx.commits[name] = r.Hash().String()
		}
	}
	for name, commit := range peeled {
		if _, ok := idx.commits[name]; ok {
			idx.commits[name] = commit
		}
	}
	return idx
}

// resolve finds the commit a Ref names in the advertisement.
func resolve(ref Ref, idx remoteRefs) (target, error) {
	switch {
	case ref.Branch != "":
		return idx.named(plumbing.NewBranchReferenceName(ref.Branch), ref)
	case ref.Tag != "":
		return idx.named(plumbing.NewTagReferenceName(ref.Tag), ref)
	case ref.SemVer != "":
		return idx.semver(ref.SemVer)
	case ref.Commit != "":
		return idx.commit(strings.ToLower(ref.Commit))
	case ref.Name != "":
		return idx.name(ref)
	}
	if _, ok := idx.commits[idx.head]; !ok {
		return target{}, &source.Error{Kind: source.ErrNotFound, Msg: "the remote HEAD names no branch; give a ref"}
	}
	return idx.named(idx.head, ref)
}

func (idx remoteRefs) named(name plumbing.ReferenceName, ref Ref) (target, error) {
	commit, ok := idx.commits[name]
	if !ok {
		return target{}, idx.notFound(ref)
	}
	return target{label: name.Short(), remote: name, commit: commit}, nil
}

// name tries a bare name as a branch, a tag, then an abbreviated commit.
func (idx remoteRefs) name(ref Ref) (target, error) {
	for _, n := range []plumbing.ReferenceName{plumbing.NewBranchReferenceName(ref.Name), plumbing.NewTagReferenceName(ref.Name)} {
		if _, ok := idx.commits[n]; ok {
			return idx.named(n, ref)
		}
	}
	if len(ref.Name) >= minBareCommitGuess && len(ref.Name) <= fullSHALen && isHex(ref.Name) {
		return idx.commit(strings.ToLower(ref.Name))
	}
	return target{}, idx.notFound(ref)
}

// commit finds a full or abbreviated commit among the tips. A commit at no
// tip is still a valid target: it may be deeper in the history.
func (idx remoteRefs) commit(sha string) (target, error) {
	var names []plumbing.ReferenceName
	matches := map[string]bool{}
	for name, c := range idx.commits {
		if strings.HasPrefix(c, sha) {
			names = append(names, name)
			matches[c] = true
		}
	}
	switch {
	case len(matches) > 1:
		return target{}, fmt.Errorf("abbreviated commit %s is ambiguous: it matches %d commits", sha, len(matches))
	case len(names) == 0 && len(sha) == fullSHALen:
		return target{commit: sha}, nil
	case len(names) == 0:
		return target{prefix: sha}, nil
	}
	slices.Sort(names) // any tip will do; sorting makes the choice stable
	return target{remote: names[0], commit: idx.commits[names[0]]}, nil
}

// semver picks the highest tag in the range. Tags that are not X.Y.Z or
// vX.Y.Z are skipped; of two tags with the same version ("1.2.3" and
// "v1.2.3"), the first in name order wins.
func (idx remoteRefs) semver(constraint string) (target, error) {
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return target{}, fmt.Errorf("invalid semver range %q: %w", constraint, err)
	}
	var best *semver.Version
	var bestName plumbing.ReferenceName
	for name := range idx.commits {
		if !name.IsTag() {
			continue
		}
		v, err := semver.StrictNewVersion(strings.TrimPrefix(name.Short(), "v"))
		if err != nil || !c.Check(v) {
			continue
		}
		if best == nil || v.GreaterThan(best) || v.Equal(best) && name < bestName {
			best, bestName = v, name
		}
	}
	if best == nil {
		return target{}, &source.Error{Kind: source.ErrNotFound,
			Msg: fmt.Sprintf("no tag matches semver range %q; tags: %s", constraint, idx.list(plumbing.ReferenceName.IsTag))}
	}
	return target{label: bestName.Short(), remote: bestName, commit: idx.commits[bestName]}, nil
}

func (idx remoteRefs) notFound(ref Ref) error {
	return &source.Error{Kind: source.ErrNotFound, Msg: fmt.Sprintf("ref %s not found; branches: %s; tags: %s",
		ref, idx.list(plumbing.ReferenceName.IsBranch), idx.list(plumbing.ReferenceName.IsTag))}
}

// list names the refs of one kind, sorted, at most maxListedRefs of them.
func (idx remoteRefs) list(kind func(plumbing.ReferenceName) bool) string {
	var names []string
	for name := range idx.commits {
		if kind(name) {
			names = append(names, name.Short())
		}
	}
	if len(names) == 0 {
		return "none"
	}
	slices.Sort(names)
	if len(names) > maxListedRefs {
		return fmt.Sprintf("%s (and %d more)", strings.Join(names[:maxListedRefs], ", "), len(names)-maxListedRefs)
	}
	return strings.Join(names, ", ")
}
