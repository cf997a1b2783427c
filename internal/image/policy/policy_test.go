package policy

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
)

const image = "ghcr.io/org/app"

func semverOf(r string) v1alpha1.TagPolicy {
	return v1alpha1.TagPolicy{Semver: &v1alpha1.SemverPolicy{Range: r}}
}

func semverPre(r string) v1alpha1.TagPolicy {
	return v1alpha1.TagPolicy{Semver: &v1alpha1.SemverPolicy{Range: r, Prereleases: true}}
}

func alphabetical(order string) v1alpha1.TagPolicy {
	return v1alpha1.TagPolicy{Alphabetical: &v1alpha1.OrderPolicy{Order: order}}
}

func numerical(order string) v1alpha1.TagPolicy {
	return v1alpha1.TagPolicy{Numerical: &v1alpha1.OrderPolicy{Order: order}}
}

func digest(tag string) v1alpha1.TagPolicy {
	return v1alpha1.TagPolicy{Digest: &v1alpha1.DigestPolicy{Tag: tag}}
}

func filter(pattern, extract string) *v1alpha1.TagFilter {
	return &v1alpha1.TagFilter{Pattern: pattern, Extract: extract}
}

// mustNew compiles a policy for image.
func mustNew(t testing.TB, tp v1alpha1.TagPolicy, f *v1alpha1.TagFilter) *Policy {
	t.Helper()
	p, err := New(v1alpha1.ImagePolicySpec{Image: image, Policy: tp, FilterTags: f})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

const tsPattern = `^main-[a-f0-9]+-(?P<ts>[0-9]+)$`

var mainTags = []string{"main-abc123-1700000000", "main-def456-1700000500", "main-0a1b2c-1699999999", "feature-x-1800000000", "main-zzz", "latest"}

var releaseTags = []string{"RELEASE.2024-01-02T10-00-00Z", "RELEASE.2023-12-31T23-59-59Z", "RELEASE.2024-01-10T08-30-00Z", "latest"}

func TestLatest(t *testing.T) {
	tests := []struct {
		name    string
		policy  v1alpha1.TagPolicy
		filter  *v1alpha1.TagFilter
		tags    []string
		want    string
		wantErr string // non-empty: the error wraps ErrNoMatch and holds this
	}{
		{name: "semver caret", policy: semverOf("^1"), tags: []string{"0.9.0", "1.0.0", "1.4.2", "1.10.0", "2.0.0"}, want: "1.10.0"},
		{name: "semver caret minor", policy: semverOf("^1.2"), tags: []string{"1.1.9", "1.2.0", "1.9.1", "2.0.0"}, want: "1.9.1"},
		{name: "semver tilde", policy: semverOf("~1.2"), tags: []string{"1.2.0", "1.2.9", "1.3.0", "1.1.20"}, want: "1.2.9"},
		{name: "semver and range", policy: semverOf(">=1.0 <2.0"), tags: []string{"0.1.0", "1.0.0", "1.9.9", "2.0.0"}, want: "1.9.9"},
		{name: "semver or range", policy: semverOf("1.x || 3.x"), tags: []string{"1.5.0", "2.7.0", "3.1.0", "4.0.0"}, want: "3.1.0"},
		{name: "semver 2.0.0 outside ^1", policy: semverOf("^1"), tags: []string{"2.0.0", "1.3.0", "3.0.0"}, want: "1.3.0"},
		{name: "semver v prefix", policy: semverOf("^1"), tags: []string{"v1.0.0", "v1.3.0", "1.2.0"}, want: "v1.3.0"},
		{name: "semver lenient", policy: semverOf("^1"), tags: []string{"1.2", "v1.3", "1"}, want: "v1.3"},
		{name: "semver equal versions", policy: semverOf("^1"), tags: []string{"1.2.0", "v1.2.0", "1.2", "1.1.0"}, want: "v1.2.0"},
		{name: "semver equal but metadata", policy: semverOf("^1"), tags: []string{"1.2.0+b2", "1.2.0+b10", "1.2.0"}, want: "1.2.0+b2"},
		{name: "semver non-versions skipped", policy: semverOf("*"), tags: []string{"latest", "main", "sha-abc123", "1.0.0", "1.2.3.4"}, want: "1.0.0"},
		{name: "semver prerelease excluded", policy: semverOf("^1"), tags: []string{"1.1.0", "1.2.0-rc.1"}, want: "1.1.0"},
		{name: "semver prerelease excluded though range names one", policy: semverOf(">=1.2.0-0"), tags: []string{"1.2.0-rc.1", "1.2.0-rc.2", "1.1.0"},
			wantErr: "read 3 tags, 3 of them versions, none in range (2 pre-releases excluded; set prereleases to allow them)"},
		{name: "semver prerelease included", policy: semverPre("^1"), tags: []string{"1.1.0", "1.2.0-rc.2", "1.2.0-rc.10"}, want: "1.2.0-rc.10"},
		{name: "semver release beats its prerelease", policy: semverPre("^1"), tags: []string{"1.2.0-rc.1", "1.2.0"}, want: "1.2.0"},
		{name: "semver prerelease caret stops before next major", policy: semverPre("^1"), tags: []string{"1.9.0", "2.0.0-rc.1"}, want: "1.9.0"},
		{name: "semver prerelease below upper bound", policy: semverPre(">=1.0 <2.0"), tags: []string{"1.9.0", "2.0.0-rc.1"}, want: "2.0.0-rc.1"},
		{name: "semver extract", policy: semverOf("^1"), filter: filter(`^app-(?P<v>.+)$`, "$v"), tags: []string{"app-1.2.0", "app-1.10.0", "web-1.99.0", "app-2.0.0"}, want: "app-1.10.0"},
		{name: "semver filter without extract", policy: semverOf("^1"), filter: filter(`^v`, ""), tags: []string{"v1.2.0", "1.9.0"}, want: "v1.2.0"},
		{name: "semver nothing in range", policy: semverOf("^3"), tags: []string{"1.0.0", "2.0.0", "latest"}, wantErr: `semver "^3": no tag satisfies the policy: read 3 tags, 2 of them versions, none in range`},
		{name: "semver no versions", policy: semverOf("^1"), tags: []string{"latest", "main"}, wantErr: "read 2 tags, none of them a version"},
		{name: "semver no tags", policy: semverOf("^1"), tags: nil, wantErr: `semver "^1": no tag satisfies the policy: read 0 tags`},
		{name: "semver filter kept none", policy: semverOf("^1"), filter: filter(`^app-`, ""), tags: []string{"1.0.0"}, wantErr: "read 1 tag, the filter kept 0"},

		{name: "numerical extract", policy: numerical(""), filter: filter(tsPattern, "$ts"), tags: mainTags, want: "main-def456-1700000500"},
		{name: "numerical extract asc", policy: numerical(v1alpha1.OrderAsc), filter: filter(tsPattern, "${ts}"), tags: mainTags, want: "main-def456-1700000500"},
		{name: "numerical extract desc", policy: numerical(v1alpha1.OrderDesc), filter: filter(tsPattern, "$ts"), tags: mainTags, want: "main-0a1b2c-1699999999"},
		{name: "numerical whole tag", policy: numerical(""), tags: []string{"1", "10", "9", "2.5", "x"}, want: "10"},
		{name: "numerical whole tag desc", policy: numerical(v1alpha1.OrderDesc), tags: []string{"1", "10", "9", "-2.5", "x"}, want: "-2.5"},
		{name: "numerical ties", policy: numerical(""), tags: []string{"1", "1.0", "01", "0.5"}, want: "1.0"},
		{name: "numerical ties desc", policy: numerical(v1alpha1.OrderDesc), tags: []string{"1", "1.0", "01", "2"}, want: "1.0"},
		{name: "numerical equal extracts", policy: numerical(""), filter: filter(tsPattern, "$ts"), tags: []string{"main-aaa-5", "main-bbb-5", "main-ccc-4"}, want: "main-bbb-5"},
		{name: "numerical not finite skipped", policy: numerical(""), tags: []string{"NaN", "Inf", "+Inf", "3", "1e999"}, want: "3"},
		{name: "numerical not finite skipped desc", policy: numerical(v1alpha1.OrderDesc), tags: []string{"-Inf", "NaN", "3", "4"}, want: "3"},
		{name: "numerical no numbers", policy: numerical(""), tags: []string{"latest", "main"}, wantErr: `numerical asc: no tag satisfies the policy: read 2 tags, none of them a number`},
		{name: "numerical filter kept none", policy: numerical(""), filter: filter(tsPattern, "$ts"), tags: []string{"dev-1", "latest"},
			wantErr: `numerical asc of "$ts" from /` + tsPattern + `/: no tag satisfies the policy: read 2 tags, the filter kept 0`},

		{name: "alphabetical", policy: alphabetical(""), filter: filter(`^RELEASE\.`, ""), tags: releaseTags, want: "RELEASE.2024-01-10T08-30-00Z"},
		{name: "alphabetical desc", policy: alphabetical(v1alpha1.OrderDesc), filter: filter(`^RELEASE\.`, ""), tags: releaseTags, want: "RELEASE.2023-12-31T23-59-59Z"},
		{name: "alphabetical unfiltered is byte order", policy: alphabetical(v1alpha1.OrderAsc), tags: releaseTags, want: "latest"},
		{name: "alphabetical extract", policy: alphabetical(""), filter: filter(`^[a-z]+-(?P<d>\d{8})$`, "$d"), tags: []string{"zeta-20240101", "alpha-20240301", "beta-20240201"}, want: "alpha-20240301"},
		{name: "alphabetical equal extracts", policy: alphabetical(""), filter: filter(`^[ab]-(\d)$`, "$1"), tags: []string{"a-5", "b-5", "a-3"}, want: "b-5"},
		{name: "alphabetical equal extracts desc", policy: alphabetical(v1alpha1.OrderDesc), filter: filter(`^[ab]-(\d)$`, "$1"), tags: []string{"a-3", "b-3", "a-5"}, want: "b-3"},
		{name: "alphabetical empty tag ignored", policy: alphabetical(v1alpha1.OrderDesc), tags: []string{"", "b", "a"}, want: "a"},
		{name: "alphabetical no tags", policy: alphabetical(""), tags: []string{}, wantErr: "alphabetical asc: no tag satisfies the policy: read 0 tags"},

		{name: "digest", policy: digest("stable"), tags: []string{"1.0", "stable", "latest"}, want: "stable"},
		{name: "digest missing", policy: digest("stable"), tags: []string{"1.0", "latest"}, wantErr: `digest of "stable": no tag satisfies the policy: read 2 tags, "stable" not among them`},
		{name: "digest filtered out", policy: digest("stable"), filter: filter(`^v`, ""), tags: []string{"stable", "v1"}, wantErr: "read 2 tags, the filter kept 1, \"stable\" not among them"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustNew(t, tt.policy, tt.filter)
			tags := slices.Clone(tt.tags)
			got, err := p.Latest(tags)
			if !slices.Equal(tags, tt.tags) {
				t.Errorf("Latest modified its input: %q", tags)
			}
			if tt.wantErr != "" {
				if !errors.Is(err, ErrNoMatch) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Latest = %q, %v; want ErrNoMatch with %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Latest = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestLatestOrderIndependent shuffles the tags many times: the pick must
// not depend on their order, ties included.
func TestLatestOrderIndependent(t *testing.T) {
	tags := []string{"1.2.0", "v1.2.0", "1.2", "1.2.0+b1", "1.1.0", "2.0.0", "1.2.0-rc.1", "latest",
		"main-aaa-5", "main-bbb-5", "main-ccc-4", "1", "1.0", "01", "stable", "RELEASE.2024-01-02"}
	policies := []struct {
		policy v1alpha1.TagPolicy
		filter *v1alpha1.TagFilter
	}{
		{policy: semverOf("^1")},
		{policy: semverPre("^1")},
		{policy: numerical("")},
		{policy: numerical(v1alpha1.OrderDesc)},
		{policy: numerical(""), filter: filter(tsPattern, "$ts")},
		{policy: numerical(v1alpha1.OrderDesc), filter: filter(tsPattern, "$ts")},
		{policy: alphabetical("")},
		{policy: alphabetical(v1alpha1.OrderDesc)},
		{policy: alphabetical(""), filter: filter(`^main-\w+-(\d)$`, "$1")},
		{policy: digest("stable")},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, pc := range policies {
		p := mustNew(t, pc.policy, pc.filter)
		t.Run(p.String(), func(t *testing.T) {
			want, err := p.Latest(tags)
			if err != nil {
				t.Fatal(err)
			}
			shuffled := slices.Clone(tags)
			for i := range 200 {
				rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
				if got, err := p.Latest(shuffled); got != want || err != nil {
					t.Fatalf("shuffle %d %q: Latest = %q, %v; want %q", i, shuffled, got, err, want)
				}
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name    string
		spec    v1alpha1.ImagePolicySpec
		wantErr string
	}{
		{name: "bad range", spec: v1alpha1.ImagePolicySpec{Image: image, Policy: semverOf("^1.0 ||| x")}, wantErr: `policy.semver.range "^1.0 ||| x"`},
		{name: "empty range", spec: v1alpha1.ImagePolicySpec{Image: image, Policy: semverOf("")}, wantErr: "policy.semver.range: required"},
		{name: "bad regex", spec: v1alpha1.ImagePolicySpec{Image: image, Policy: numerical(""), FilterTags: filter(`^main-([`, "")}, wantErr: "filterTags.pattern: error parsing regexp"},
		{name: "extract names a missing capture", spec: v1alpha1.ImagePolicySpec{Image: image, Policy: numerical(""), FilterTags: filter(tsPattern, "$time")},
			wantErr: `filterTags.extract "$time": filterTags.pattern has no capture "time"`},
		{name: "extract without pattern", spec: v1alpha1.ImagePolicySpec{Image: image, Policy: numerical(""), FilterTags: filter("", "$ts")}, wantErr: "filterTags.extract: requires filterTags.pattern"},
		{name: "bad order", spec: v1alpha1.ImagePolicySpec{Image: image, Policy: alphabetical("up")}, wantErr: `policy.alphabetical.order "up"`},
		{name: "no policy", spec: v1alpha1.ImagePolicySpec{Image: image}, wantErr: "policy: want exactly one of"},
		{name: "bad digest tag", spec: v1alpha1.ImagePolicySpec{Image: image, Policy: digest(".x")}, wantErr: `policy.digest.tag ".x"`},
		{name: "tag in image", spec: v1alpha1.ImagePolicySpec{Image: image + ":1.0", Policy: semverOf("^1")}, wantErr: "without tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New = %v, %v; want an error with %q", p, err, tt.wantErr)
			}
		})
	}
}

func TestDigestTag(t *testing.T) {
	if tag, ok := mustNew(t, digest("stable"), nil).DigestTag(); tag != "stable" || !ok {
		t.Errorf("digest policy: DigestTag = %q, %v; want stable, true", tag, ok)
	}
	for _, tp := range []v1alpha1.TagPolicy{semverOf("^1"), alphabetical(""), numerical("")} {
		p := mustNew(t, tp, nil)
		if tag, ok := p.DigestTag(); tag != "" || ok {
			t.Errorf("%s: DigestTag = %q, %v; want \"\", false", p, tag, ok)
		}
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		policy v1alpha1.TagPolicy
		filter *v1alpha1.TagFilter
		want   string
	}{
		{policy: semverOf("^1.0"), want: `semver "^1.0"`},
		{policy: semverPre("^1.0"), filter: filter(`^v`, ""), want: `semver "^1.0" with prereleases from /^v/`},
		{policy: numerical(""), filter: filter(tsPattern, "$ts"), want: `numerical asc of "$ts" from /` + tsPattern + `/`},
		{policy: numerical(v1alpha1.OrderDesc), want: "numerical desc"},
		{policy: alphabetical(""), want: "alphabetical asc"},
		{policy: alphabetical(v1alpha1.OrderDesc), filter: filter(`^RELEASE\.`, ""), want: `alphabetical desc from /^RELEASE\./`},
		{policy: digest("stable"), want: `digest of "stable"`},
	}
	for _, tt := range tests {
		if got := mustNew(t, tt.policy, tt.filter).String(); got != tt.want {
			t.Errorf("String = %s; want %s", got, tt.want)
		}
	}
}

// BenchmarkLatest picks from 10000 tags, a scan of a busy repository.
func BenchmarkLatest(b *testing.B) {
	semverTags := make([]string, 0, 10000)
	mainBuilds := make([]string, 0, 10000)
	for i := range 10000 {
		semverTags = append(semverTags, fmt.Sprintf("v%d.%d.%d", i/1000, i/100%10, i%100))
		mainBuilds = append(mainBuilds, fmt.Sprintf("main-%06x-%d", i*7919, 1700000000+i*37%10000))
	}
	for _, bc := range []struct {
		name   string
		policy v1alpha1.TagPolicy
		filter *v1alpha1.TagFilter
		tags   []string
	}{
		{name: "semver", policy: semverOf("^5"), tags: semverTags},
		{name: "numerical extract", policy: numerical(""), filter: filter(tsPattern, "$ts"), tags: mainBuilds},
		{name: "alphabetical", policy: alphabetical(""), tags: mainBuilds},
	} {
		p := mustNew(b, bc.policy, bc.filter)
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := p.Latest(bc.tags); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
