package helmrepo

import (
	"fmt"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// maxListed is how many available versions an error lists; a busy chart has
// hundreds.
const maxListed = 10

// pickVersion returns the index of the version among available that want
// selects: the one spelled exactly like want if any, else the highest that
// satisfies want as a semver constraint (">=1.2 <2", "~1.4", "1.2.3").
// Empty want means the highest stable version. Versions that are not semver
// are ignored.
func pickVersion(available []string, want string) (int, error) {
	for i, v := range available {
		if want != "" && v == want {
			return i, nil
		}
	}
	constraint := want
	if constraint == "" {
		constraint = "*"
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return -1, fmt.Errorf("invalid version or range %q: %w", want, err)
	}
	var best *semver.Version
	bestIdx := -1
	for i, raw := range available {
		v, err := semver.NewVersion(raw)
		if err != nil || !c.Check(v) {
			continue
		}
		if best == nil || v.GreaterThan(best) {
			best, bestIdx = v, i
		}
	}
	if best == nil {
		return -1, fmt.Errorf("%w %q; available: %s", ErrNoMatchingVersion, constraint, listVersions(available))
	}
	return bestIdx, nil
}

// listVersions names the highest few of available, newest first.
func listVersions(available []string) string {
	if len(available) == 0 {
		return "none"
	}
	sorted := append([]string(nil), available...)
	sort.SliceStable(sorted, func(i, j int) bool { return versionLess(sorted[j], sorted[i]) })
	if len(sorted) <= maxListed {
		return strings.Join(sorted, ", ")
	}
	return fmt.Sprintf("%s (and %d more)", strings.Join(sorted[:maxListed], ", "), len(sorted)-maxListed)
}

// versionLess orders by semver; strings that are not semver sort first, so
// they come last in a newest-first list.
func versionLess(a, b string) bool {
	va, errA := semver.NewVersion(a)
	vb, errB := semver.NewVersion(b)
	switch {
	case errA != nil && errB != nil:
		return a < b
	case errA != nil:
		return true
	case errB != nil:
		return false
	}
	return va.LessThan(vb)
}
