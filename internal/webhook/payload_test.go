package webhook

import (
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestNewPush(t *testing.T) {
	tests := []struct {
		name    string
		repos   []string
		refs    []string
		want    Push
		wantErr error
	}{
		{name: "branch", repos: []string{"a"}, refs: []string{"refs/heads/main"},
			want: Push{Repos: []string{"a"}, Branches: []string{"main"}}},
		{name: "branch with slashes", repos: []string{"a"}, refs: []string{"refs/heads/feature/x"},
			want: Push{Repos: []string{"a"}, Branches: []string{"feature/x"}}},
		{name: "tag", repos: []string{"a"}, refs: []string{"refs/tags/v1"},
			want: Push{Repos: []string{"a"}, Tags: []string{"v1"}}},
		{name: "repeats and blanks dropped, order kept", repos: []string{"b", "", " a ", "b"}, refs: []string{"refs/heads/x", "refs/heads/x", "refs/tags/t", ""},
			want: Push{Repos: []string{"b", "a"}, Branches: []string{"x"}, Tags: []string{"t"}}},
		{name: "no ref named means any", repos: []string{"a"}, refs: []string{""},
			want: Push{Repos: []string{"a"}}},
		{name: "other refs ignored", repos: []string{"a"}, refs: []string{"refs/pull/1/head", "refs/notes/commits"}, wantErr: errIgnoredRef},
		{name: "empty branch name ignored", repos: []string{"a"}, refs: []string{"refs/heads/"}, wantErr: errIgnoredRef},
		{name: "no repository", repos: []string{"", " "}, refs: []string{"refs/heads/main"}, wantErr: errNoRepository},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newPush(tt.repos, tt.refs)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// parsers are the payload parsers by name, for the fuzz test.
var parsers = map[string]func([]byte) (Push, error){
	"github":    func(b []byte) (Push, error) { return parseGitHub(http.Header{}, b) },
	"gitlab":    parseGitLab,
	"gitea":     parseGitea,
	"bitbucket": parseBitbucket,
	"generic":   parseGeneric,
}

// FuzzParse: no payload panics a parser, and every Push it returns is
// well formed.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"github-push.json", "github-tag.json", "gitlab-push.json", "gitlab-tag.json", "gitea-push.json", "bitbucket-push.json", "bitbucket-tag.json"} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`{"repository":"https://x.example/a.git","ref":"main"}`))
	f.Add([]byte(`{"push":{"changes":[{"new":null,"old":null}]},"repository":{"full_name":"a/b"}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for name, parse := range parsers {
			p, err := parse(body)
			if err != nil {
				continue
			}
			if len(p.Repos) == 0 {
				t.Fatalf("%s: push without repository from %q", name, body)
			}
			for _, r := range p.Repos {
				if strings.TrimSpace(r) == "" {
					t.Fatalf("%s: blank repository in %+v", name, p)
				}
			}
			if slices.Contains(p.Branches, "") || slices.Contains(p.Tags, "") {
				t.Fatalf("%s: empty ref name in %+v", name, p)
			}
		}
	})
}
