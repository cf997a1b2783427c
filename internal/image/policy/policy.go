// Package policy picks the latest tag of an image repository from the
// tags a scan read, as an ImagePolicy's spec orders them. It is pure: no
// registry, no clock, and the same tags in any order give the same tag.
//
// Every kind of policy first applies filterTags: only the tags its
// pattern matches are kept, and its extract (a regexp.Expand template of
// the pattern's captures) is the value sorted on instead of the whole tag.
// Then:
//
//   - semver reads the value leniently ("v1.2", "1.2") and picks the
//     highest version in the range; pre-releases only when the policy
//     allows them, even if the range names one. Values that are not
//     versions are skipped. With pre-releases allowed, a range admits
//     them as Masterminds' IncludePrerelease reads it: "^1" stops short
//     of 2.0.0-rc.1, but ">=1.0 <2.0" admits it.
//   - alphabetical picks the greatest value in string (byte) order, or
//     the smallest under order desc.
//   - numerical reads the value with strconv.ParseFloat and picks the
//     highest, or the lowest under order desc. Values that are not finite
//     numbers (including "NaN" and "Inf") are skipped.
//   - digest picks its moving tag if the scan read it; resolving the tag
//     to a digest is the caller's.
//
// Ties (equal versions such as "1.2.0" and "v1.2.0", equal numbers such
// as "1.0" and "1", or tags whose extracts are equal) go to the tag that
// is greatest in string order, whatever the order of the policy.
package policy

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/Masterminds/semver/v3"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
)

// ErrNoMatch is wrapped by Latest when no tag satisfies the policy.
var ErrNoMatch = errors.New("no tag satisfies the policy")

// kind is which field of a TagPolicy is set.
type kind int

const (
	kindSemver kind = iota
	kindAlphabetical
	kindNumerical
	kindDigest
)

// Policy is a compiled ImagePolicySpec: it picks the latest of a list of
// tags. It is safe for concurrent use.
type Policy struct {
	kind        kind
	semverRange string              // as the spec gives it, for String
	constraint  *semver.Constraints // kindSemver
	prereleases bool                // kindSemver: pre-releases may be picked
	desc        bool                // kindAlphabetical, kindNumerical: the smallest is latest
	digestTag   string              // kindDigest
	filter      *regexp.Regexp      // nil keeps every tag
	extract     string              // template over filter's captures; "" sorts on the tag
}

// New validates spec (as spec.Validate does, errors naming the field:
// "policy.semver.range ...: ...") and compiles its range and pattern.
func New(spec v1alpha1.ImagePolicySpec) (*Policy, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	p := &Policy{}
	if f := spec.FilterTags; f != nil && f.Pattern != "" {
		re, err := regexp.Compile(f.Pattern)
		if err != nil {
			return nil, fmt.Errorf("filterTags.pattern: %w", err)
		}
		p.filter, p.extract = re, f.Extract
	}
	tp := spec.Policy
	switch {
	case tp.Semver != nil:
		c, err := semver.NewConstraint(tp.Semver.Range)
		if err != nil {
			return nil, fmt.Errorf("policy.semver.range %q: %w", tp.Semver.Range, err)
		}
		c.IncludePrerelease = tp.Semver.Prereleases
		p.kind, p.constraint, p.semverRange, p.prereleases = kindSemver, c, tp.Semver.Range, tp.Semver.Prereleases
	case tp.Alphabetical != nil:
		p.kind, p.desc = kindAlphabetical, tp.Alphabetical.Order == v1alpha1.OrderDesc
	case tp.Numerical != nil:
		p.kind, p.desc = kindNumerical, tp.Numerical.Order == v1alpha1.OrderDesc
	default:
		p.kind, p.digestTag = kindDigest, tp.Digest.Tag
	}
	return p, nil
}

// DigestTag returns the moving tag a digest policy follows, whose digest
// the caller resolves; ok is false for every other kind of policy.
func (p *Policy) DigestTag() (tag string, ok bool) {
	return p.digestTag, p.kind == kindDigest
}

// Latest returns the latest of tags under the policy. It does not modify
// tags, and their order does not matter. When no tag satisfies the policy
// the error wraps ErrNoMatch and says how many tags were read, how many
// the filter kept and, for semver and numerical, how many of those could
// be read at all.
func (p *Policy) Latest(tags []string) (string, error) {
	kept := p.filterTags(tags)
	var best, detail string
	switch p.kind {
	case kindSemver:
		best, detail = p.latestSemver(kept)
	case kindAlphabetical:
		best, detail = p.latestAlphabetical(kept)
	case kindNumerical:
		best, detail = p.latestNumerical(kept)
	case kindDigest:
		best, detail = p.latestDigest(kept)
	}
	if best != "" {
		return best, nil
	}
	msg := "read " + plural(len(tags), "tag", "tags")
	if p.filter != nil {
		msg += fmt.Sprintf(", the filter kept %d", len(kept))
	}
	if detail != "" && len(kept) > 0 {
		msg += ", " + detail
	}
	return "", fmt.Errorf("%s: %w: %s", p, ErrNoMatch, msg)
}

// String describes the policy in a few words: `semver "^1.0"`,
// `numerical asc of "$ts" from /^main-(?P<ts>[0-9]+)$/`, `digest of "stable"`.
func (p *Policy) String() string {
	var s string
	switch p.kind {
	case kindSemver:
		s = fmt.Sprintf("semver %q", p.semverRange)
		if p.prereleases {
			s += " with prereleases"
		}
	case kindAlphabetical:
		s = "alphabetical " + p.order()
	case kindNumerical:
		s = "numerical " + p.order()
	case kindDigest:
		s = fmt.Sprintf("digest of %q", p.digestTag)
	}
	if p.extract != "" && p.kind != kindDigest {
		s += fmt.Sprintf(" of %q", p.extract)
	}
	if p.filter != nil {
		s += " from /" + p.filter.String() + "/"
	}
	return s
}

func (p *Policy) order() string {
	if p.desc {
		return v1alpha1.OrderDesc
	}
	return v1alpha1.OrderAsc
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
