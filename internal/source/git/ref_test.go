package git

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

const sha40 = "0123456789abcdef0123456789abcdef01234567"

func TestParseRef(t *testing.T) {
	tests := []struct {
		in      string
		want    Ref
		wantErr string
	}{
		{"", Ref{}, ""},
		{"HEAD", Ref{}, ""},
		{"branch:main", Ref{Branch: "main"}, ""},
		{"branch:feature/x", Ref{Branch: "feature/x"}, ""},
		{"tag:v1", Ref{Tag: "v1"}, ""},
		{"semver:>=1.2 <2", Ref{SemVer: ">=1.2 <2"}, ""},
		{"commit:abc1234", Ref{Commit: "abc1234"}, ""},
		{sha40, Ref{Commit: sha40}, ""},
		{"main", Ref{Name: "main"}, ""},
		{"abc1234", Ref{Name: "abc1234"}, ""},
		{"semver:not a range", Ref{}, "invalid semver range"},
		{"commit:xyz", Ref{}, "invalid commit"},
		{"commit:abc", Ref{}, "invalid commit"},
		{"branch:a..b", Ref{}, "invalid ref name"},
		{"tag:-x", Ref{}, "invalid ref name"},
		{"a*", Ref{}, "invalid ref name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRef(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseRef(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseRef(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			// String is the inverse of ParseRef.
			if again, err := ParseRef(got.String()); err != nil || again != got {
				t.Errorf("ParseRef(%q) = %+v, %v; want %+v", got.String(), again, err, got)
			}
		})
	}
}

// advertised builds a ref advertisement as go-git's list returns it, with
// HEAD pointing at main and v1.3.1 an annotated tag.
func advertised() []*plumbing.Reference {
	refs := []*plumbing.Reference{
		plumbing.NewSymbolicReference(plumbing.HEAD, "refs/heads/main"),
		plumbing.NewReferenceFromStrings("refs/heads/main", sha("a1")),
		plumbing.NewReferenceFromStrings("refs/heads/dev", sha("b1")),
		plumbing.NewReferenceFromStrings("refs/pull/1/head", sha("c1")),
		plumbing.NewReferenceFromStrings("refs/tags/v1.0.0", sha("dddd1")),
		plumbing.NewReferenceFromStrings("refs/tags/v1.2.0", sha("dddd2")),
		plumbing.NewReferenceFromStrings("refs/tags/v1.3.1", sha("e0")), // the tag object
		plumbing.NewReferenceFromStrings("refs/tags/v1.3.1^{}", sha("dddd3")),
		plumbing.NewReferenceFromStrings("refs/tags/1.3.1", sha("dddd4")),
		plumbing.NewReferenceFromStrings("refs/tags/v2.0.0", sha("dddd5")),
		plumbing.NewReferenceFromStrings("refs/tags/v1.9.0-rc.1", sha("dddd6")),
		plumbing.NewReferenceFromStrings("refs/tags/latest", sha("a1")),
	}
	return refs
}

// sha makes a full SHA that starts with prefix.
func sha(prefix string) string {
	return prefix + strings.Repeat("0", fullSHALen-len(prefix))
}

func TestResolve(t *testing.T) {
	tests := []struct {
		ref     Ref
		want    target
		wantErr string
	}{
		{Ref{}, target{label: "main", remote: "refs/heads/main", commit: sha("a1")}, ""},
		{Ref{Branch: "dev"}, target{label: "dev", remote: "refs/heads/dev", commit: sha("b1")}, ""},
		{Ref{Tag: "v1.3.1"}, target{label: "v1.3.1", remote: "refs/tags/v1.3.1", commit: sha("dddd3")}, ""},
		{Ref{Name: "v1.2.0"}, target{label: "v1.2.0", remote: "refs/tags/v1.2.0", commit: sha("dddd2")}, ""},
		{Ref{Name: "dev"}, target{label: "dev", remote: "refs/heads/dev", commit: sha("b1")}, ""},
		{Ref{SemVer: ">=1.2 <2"}, target{label: "1.3.1", remote: "refs/tags/1.3.1", commit: sha("dddd4")}, ""},
		{Ref{SemVer: "~1.0"}, target{label: "v1.0.0", remote: "refs/tags/v1.0.0", commit: sha("dddd1")}, ""},
		{Ref{SemVer: ">=1.9.0-rc.0 <2"}, target{label: "v1.9.0-rc.1", remote: "refs/tags/v1.9.0-rc.1", commit: sha("dddd6")}, ""},
		{Ref{Commit: sha("b1")}, target{remote: "refs/heads/dev", commit: sha("b1")}, ""},
		{Ref{Commit: "B100"}, target{remote: "refs/heads/dev", commit: sha("b1")}, ""},
		{Ref{Commit: sha("f1")}, target{commit: sha("f1")}, ""},
		{Ref{Commit: "f1000"}, target{prefix: "f1000"}, ""},
		{Ref{Name: "f100000"}, target{prefix: "f100000"}, ""},
		{Ref{Commit: "dddd"}, target{}, "ambiguous"},
		{Ref{Branch: "v1.0.0"}, target{}, "ref branch:v1.0.0 not found; branches: dev, main; tags: 1.3.1, latest, v1.0.0, v1.2.0, v1.3.1, v1.9.0-rc.1, v2.0.0"},
		{Ref{Name: "nope"}, target{}, "ref nope not found"},
		{Ref{SemVer: ">=3"}, target{}, `no tag matches semver range ">=3"`},
	}
	idx := indexRefs(advertised())
	for _, tt := range tests {
		t.Run(tt.ref.String(), func(t *testing.T) {
			got, err := resolve(tt.ref, idx)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("resolve error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("resolve = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestResolveNotFoundListIsShort(t *testing.T) {
	var refs []*plumbing.Reference
	for i := range 25 {
		refs = append(refs, plumbing.NewReferenceFromStrings(fmt.Sprintf("refs/heads/b%02d", i), sha("a")))
	}
	_, err := resolve(Ref{Name: "x"}, indexRefs(refs))
	if !errors.Is(err, source.ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
	want := "branches: b00, b01, b02, b03, b04, b05, b06, b07, b08, b09 (and 15 more); tags: none"
	if !strings.HasSuffix(err.Error(), want) {
		t.Errorf("got %q, want it to end with %q", err, want)
	}
}
