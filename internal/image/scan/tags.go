package scan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// maxPageBytes caps the body of one tag-list page: 10000 tags of the
// longest name allowed (128 characters) fit in 1.4 MB.
const maxPageBytes = 16 << 20

// page is one page of a tag list as the last scan read it.
type page struct {
	url  string
	etag string
	tags []string
	next string // the URL of the next page, "" on the last one
}

// listTags reads the pages of repo's tag list, following the registry's
// Link headers, until the last page or MaxTags tags. A page the registry
// answers with 304 Not Modified is taken from the previous scan.
func (s *Scanner) listTags(ctx context.Context, repo name.Repository, st *repoState) (Result, error) {
	rt, err := s.transport(ctx, repo, st)
	if err != nil {
		return Result{}, err
	}
	client := &http.Client{Transport: rt}
	res := Result{NotModified: true}
	var pages []page
	seen := map[string]bool{}
	for next := s.firstPage(repo); next != ""; {
		if seen[next] {
			return Result{}, fmt.Errorf("the registry's next page links back to %s", next)
		}
		seen[next] = true
		var prev *page
		if i := len(pages); i < len(st.pages) && st.pages[i].url == next {
			prev = &st.pages[i]
		}
		p, fresh, err := s.getPage(ctx, client, next, prev)
		if err != nil {
			return Result{}, err
		}
		pages = append(pages, p)
		res.NotModified = res.NotModified && !fresh
		room := s.opts.MaxTags - len(res.Tags)
		if len(p.tags) > room || (len(p.tags) == room && p.next != "") {
			res.Tags = append(res.Tags, p.tags[:room]...)
			res.Truncated = true
			break
		}
		res.Tags = append(res.Tags, p.tags...)
		if len(p.tags) == 0 {
			// An empty page ends the list even if it links on: no
			// registry could otherwise keep a scan going forever.
			break
		}
		next = p.next
	}
	st.pages = pages
	return res, nil
}

// firstPage is the URL of the first page of repo's tag list.
func (s *Scanner) firstPage(repo name.Repository) string {
	u := url.URL{
		Scheme: s.scheme(repo.Registry),
		Host:   repo.RegistryStr(),
		Path:   "/v2/" + repo.RepositoryStr() + "/tags/list",
	}
	if s.opts.PageSize > 0 {
		u.RawQuery = fmt.Sprintf("n=%d", min(s.opts.PageSize, s.opts.MaxTags))
	}
	return u.String()
}

// getPage GETs one page, conditionally when prev holds the ETag the
// registry gave it last time. fresh is false when the registry answered
// 304 and the page is prev.
func (s *Scanner) getPage(ctx context.Context, client *http.Client, u string, prev *page) (p page, fresh bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return page{}, false, err
	}
	req.Header.Set("Accept", "application/json")
	if prev != nil && prev.etag != "" {
		req.Header.Set("If-None-Match", prev.etag)
	}
	resp, err := client.Do(req)
	if err != nil {
		return page{}, false, err
	}
	defer drain(resp)
	if resp.StatusCode == http.StatusNotModified && prev != nil && prev.etag != "" {
		return *prev, false, nil
	}
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return page{}, false, err
	}
	var body struct {
		Tags []string `json:"tags"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxPageBytes)).Decode(&body); err != nil {
		return page{}, false, fmt.Errorf("read tag list %s: %w", u, err)
	}
	next, err := nextPage(resp)
	if err != nil {
		return page{}, false, err
	}
	return page{url: u, etag: resp.Header.Get("ETag"), tags: body.Tags, next: next}, true, nil
}

// nextPage returns the URL of the next page that resp's Link header
// names with rel="next", or "" when there is none. The link must stay on
// the registry: the transport would not authenticate elsewhere anyway.
func nextPage(resp *http.Response) (string, error) {
	for _, link := range resp.Header.Values("Link") {
		for _, l := range strings.Split(link, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(l), ";")
			if !ok || !isNext(params) {
				continue
			}
			ref, err := url.Parse(strings.Trim(strings.TrimSpace(target), "<>"))
			if err != nil {
				return "", fmt.Errorf("next page link %q: %w", target, err)
			}
			next := resp.Request.URL.ResolveReference(ref)
			if next.Host != resp.Request.URL.Host || next.Scheme != resp.Request.URL.Scheme {
				return "", errors.New("the registry's next page link leaves the registry")
			}
			return next.String(), nil
		}
	}
	return "", nil
}

// isNext reports whether the parameters of a link say rel="next".
func isNext(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "rel") && slices.ContainsFunc(strings.Fields(strings.Trim(v, `"`)), isNextWord) {
			return true
		}
	}
	return false
}

func isNextWord(rel string) bool { return strings.EqualFold(rel, "next") }

// drain reads what is left of a small body and closes it, so that the
// connection can serve the next request.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}
