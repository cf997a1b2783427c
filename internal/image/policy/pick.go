package policy

import (
	"cmp"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// candidate is a tag the filter kept, and the value it is sorted on.
type candidate struct {
	tag   string
	value string
}

// filterTags returns the tags the filter keeps with their values: the
// extract's expansion, or the tag itself. An empty string is no tag and
// is dropped.
func (p *Policy) filterTags(tags []string) []candidate {
	kept := make([]candidate, 0, len(tags))
	for _, tag := range tags {
		if tag == "" {
			continue
		}
		if p.filter == nil {
			kept = append(kept, candidate{tag: tag, value: tag})
			continue
		}
		m := p.filter.FindStringSubmatchIndex(tag)
		if m == nil {
			continue
		}
		value := tag
		if p.extract != "" {
			value = string(p.filter.ExpandString(nil, p.extract, tag, m))
		}
		kept = append(kept, candidate{tag: tag, value: value})
	}
	return kept
}

// beats says whether a candidate that compares c to the best so far
// (c > 0: it is later) replaces it: when later, or when tied and its tag
// is greater.
func beats(c int, tag, best string) bool {
	return c > 0 || c == 0 && tag > best
}

// latestSemver returns the tag of the highest version in range, or "" and
// why none is.
func (p *Policy) latestSemver(kept []candidate) (string, string) {
	var best *semver.Version
	var bestTag string
	versions, excluded := 0, 0
	for _, c := range kept {
		v, err := semver.NewVersion(c.value)
		if err != nil {
			continue
		}
		versions++
		if v.Prerelease() != "" && !p.prereleases {
			excluded++
			continue
		}
		if p.constraint.Check(v) && (best == nil || beats(v.Compare(best), c.tag, bestTag)) {
			best, bestTag = v, c.tag
		}
	}
	if versions == 0 {
		return bestTag, "none of them a version"
	}
	detail := fmt.Sprintf("%d of them versions, none in range", versions)
	if excluded > 0 {
		detail += fmt.Sprintf(" (%s excluded; set prereleases to allow them)", plural(excluded, "pre-release", "pre-releases"))
	}
	return bestTag, detail
}

// latestAlphabetical returns the tag of the greatest value (the smallest
// under desc).
func (p *Policy) latestAlphabetical(kept []candidate) (string, string) {
	var best candidate
	for i, c := range kept {
		order := strings.Compare(c.value, best.value)
		if p.desc {
			order = -order
		}
		if i == 0 || beats(order, c.tag, best.tag) {
			best = c
		}
	}
	return best.tag, ""
}

// latestNumerical returns the tag of the highest number (the lowest under
// desc), or "" and why none is.
func (p *Policy) latestNumerical(kept []candidate) (string, string) {
	var best float64
	var bestTag string
	for _, c := range kept {
		f, err := strconv.ParseFloat(c.value, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		order := cmp.Compare(f, best)
		if p.desc {
			order = -order
		}
		if bestTag == "" || beats(order, c.tag, bestTag) {
			best, bestTag = f, c.tag
		}
	}
	return bestTag, "none of them a number"
}

// latestDigest returns the followed tag if the filter kept it.
func (p *Policy) latestDigest(kept []candidate) (string, string) {
	for _, c := range kept {
		if c.tag == p.digestTag {
			return c.tag, ""
		}
	}
	return "", fmt.Sprintf("%q not among them", p.digestTag)
}
