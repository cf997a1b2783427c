package history

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestRevision(t *testing.T) {
	sha := strings.Repeat("0a", 20)
	tests := []struct {
		rev  string
		want string
	}{
		{rev: "main@sha1:" + sha, want: sha},
		{rev: "sha1:" + sha, want: sha},
		{rev: "v1.2.0@sha1:" + sha, want: sha},
		{rev: "main@sha1:0a0a"},
		{rev: "1.4.2"},
		{rev: ""},
	}
	for _, tt := range tests {
		h, ok := Revision(tt.rev)
		if ok != (tt.want != "") || ok && h != plumbing.NewHash(tt.want) {
			t.Errorf("Revision(%q) = %s, %v; want %q", tt.rev, h, ok, tt.want)
		}
	}
}

func TestChangesString(t *testing.T) {
	tests := []struct {
		c    Changes
		want string
	}{
		{Changes{}, ""},
		{Changes{Modified: 1}, "1 file modified"},
		{Changes{Added: 2}, "2 files added"},
		{Changes{Added: 1, Deleted: 2}, "3 files: 1 added, 2 deleted"},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.c, got, tt.want)
		}
	}
}
