package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Why a payload yields no Push; the handler maps each to a status.
var (
	// errNoRepository: the payload names no repository URL (400).
	errNoRepository = errors.New("payload names no repository")
	// errIgnoredRef: every ref pushed is neither a branch nor a tag, such
	// as refs/pull/1/head or refs/notes/commits (200, nothing triggered).
	errIgnoredRef = errors.New("no branch or tag pushed")
)

// Git ref prefixes of branches and tags.
const (
	headsPrefix = "refs/heads/"
	tagsPrefix  = "refs/tags/"
)

// hubRepository is the repository object of GitHub and Gitea payloads,
// which Gitea copied.
type hubRepository struct {
	CloneURL string `json:"clone_url"`
	SSHURL   string `json:"ssh_url"`
	HTMLURL  string `json:"html_url"`
}

// hubPush is a GitHub or Gitea push event.
type hubPush struct {
	Ref        string        `json:"ref"`
	Repository hubRepository `json:"repository"`
}

// parseGitHub reads a push in either of GitHub's content types: JSON, or
// a form whose "payload" field holds the JSON (the signature covers the
// form body, already checked).
func parseGitHub(h http.Header, body []byte) (Push, error) {
	body, err := formPayload(h, body)
	if err != nil {
		return Push{}, err
	}
	return parseHub("github", body)
}

// parseGitea reads a Gitea or Forgejo push.
func parseGitea(body []byte) (Push, error) { return parseHub("gitea", body) }

func parseHub(name string, body []byte) (Push, error) {
	var p hubPush
	if err := decode(name, body, &p); err != nil {
		return Push{}, err
	}
	r := p.Repository
	return newPush([]string{r.CloneURL, r.SSHURL, r.HTMLURL}, []string{p.Ref})
}

// gitlabURLs are the URL fields GitLab gives in project and, for older
// consumers, repository.
type gitlabURLs struct {
	GitHTTPURL string `json:"git_http_url"`
	GitSSHURL  string `json:"git_ssh_url"`
	WebURL     string `json:"web_url"`
}

type gitlabPush struct {
	Ref        string     `json:"ref"`
	Project    gitlabURLs `json:"project"`
	Repository gitlabURLs `json:"repository"`
}

func parseGitLab(body []byte) (Push, error) {
	var p gitlabPush
	if err := decode("gitlab", body, &p); err != nil {
		return Push{}, err
	}
	pr, rp := p.Project, p.Repository
	repos := []string{pr.GitHTTPURL, pr.GitSSHURL, pr.WebURL, rp.GitHTTPURL, rp.GitSSHURL}
	return newPush(repos, []string{p.Ref})
}

// bitbucketRef is one side of a Bitbucket change; null when the ref was
// created (old) or deleted (new).
type bitbucketRef struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

type bitbucketPush struct {
	Push struct {
		Changes []struct {
			New *bitbucketRef `json:"new"`
			Old *bitbucketRef `json:"old"`
		} `json:"changes"`
	} `json:"push"`
	Repository struct {
		FullName string `json:"full_name"`
		Links    struct {
			HTML struct {
				Href string `json:"href"`
			} `json:"html"`
		} `json:"links"`
	} `json:"repository"`
}

// parseBitbucket reads a Bitbucket Cloud repo:push, whose payload has no
// clone URL: it is derived from full_name. A deleted ref still counts, so
// that Applications following it notice.
func parseBitbucket(body []byte) (Push, error) {
	var p bitbucketPush
	if err := decode("bitbucket", body, &p); err != nil {
		return Push{}, err
	}
	var refs []string
	for _, c := range p.Push.Changes {
		ref := c.New
		if ref == nil {
			ref = c.Old
		}
		if ref != nil {
			refs = append(refs, bitbucketFullRef(*ref))
		}
	}
	repos := []string{p.Repository.Links.HTML.Href}
	if p.Repository.FullName != "" {
		repos = append(repos, "https://bitbucket.org/"+p.Repository.FullName+".git")
	}
	return newPush(repos, refs)
}

// bitbucketFullRef turns a typed name into a git ref; other types
// (Mercurial bookmarks of old) give a ref newPush ignores.
func bitbucketFullRef(r bitbucketRef) string {
	switch r.Type {
	case "branch", "named_branch":
		return headsPrefix + r.Name
	case "tag":
		return tagsPrefix + r.Name
	}
	return "refs/" + r.Type + "/" + r.Name
}

type genericPush struct {
	Repository string `json:"repository"`
	Ref        string `json:"ref"`
}

// parseGeneric reads {"repository": url, "ref": ref}; a bare ref is a
// branch, and no ref at all means any ref may have changed.
func parseGeneric(body []byte) (Push, error) {
	var p genericPush
	if err := decode("generic", body, &p); err != nil {
		return Push{}, err
	}
	ref := p.Ref
	if ref != "" && !strings.HasPrefix(ref, "refs/") {
		ref = headsPrefix + ref
	}
	return newPush([]string{p.Repository}, []string{ref})
}

// newPush builds a Push from URLs and full refs, dropping empty and
// repeated values and keeping the first order seen.
func newPush(repos, refs []string) (Push, error) {
	var p Push
	for _, r := range repos {
		if r = strings.TrimSpace(r); r != "" && !slices.Contains(p.Repos, r) {
			p.Repos = append(p.Repos, r)
		}
	}
	if len(p.Repos) == 0 {
		return Push{}, errNoRepository
	}
	named := false
	for _, ref := range refs {
		if ref == "" {
			continue
		}
		named = true
		if b, ok := strings.CutPrefix(ref, headsPrefix); ok && b != "" {
			p.Branches = appendNew(p.Branches, b)
		} else if t, ok := strings.CutPrefix(ref, tagsPrefix); ok && t != "" {
			p.Tags = appendNew(p.Tags, t)
		}
	}
	if named && p.AnyRef() {
		return Push{}, errIgnoredRef
	}
	return p, nil
}

// appendNew appends s unless list holds it already.
func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// decode unmarshals a payload; the error names the provider, not the body.
func decode(provider string, body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode %s payload: %w", provider, err)
	}
	return nil
}

// formPayload returns the "payload" field of a form-encoded body, or the
// body itself when it is not a form.
func formPayload(h http.Header, body []byte) ([]byte, error) {
	mediaType, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if mediaType != "application/x-www-form-urlencoded" {
		return body, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("decode form payload: %w", err)
	}
	return []byte(form.Get("payload")), nil
}
