package webhook

import "strings"

// RepoKey returns a key for a repository URL such that every way of
// writing the same repository gives the same key, so that a push's URLs
// can be matched against an Application's repo URL:
//
//	https://github.com/Org/App.git      github.com/org/app
//	http://user:token@github.com/org/app/
//	ssh://git@github.com:22/org/app.git
//	git@github.com:org/app.git
//	git@github.com:/org/app
//
// The scheme, user info, port, query, fragment, a trailing ".git" and
// slashes are dropped and the result lower-cased. Ports and path case are
// dropped too, although they can in theory tell repositories apart: a
// false match only costs one extra check of a repository, while a miss
// loses the trigger (ssh on :2222 and https on :443 name one repository;
// GitHub and GitLab paths ignore case). A local path keeps its path.
func RepoKey(url string) string {
	host, path := splitRepoURL(strings.TrimSpace(url))
	path = strings.Trim(path, "/")
	path = strings.TrimSuffix(path, ".git")
	path = strings.Trim(path, "/")
	if host == "" {
		return strings.ToLower(path)
	}
	if path == "" {
		return strings.ToLower(host)
	}
	return strings.ToLower(host + "/" + path)
}

// splitRepoURL splits a URL, an scp-like address (user@host:path) or a
// local path into a host without user info or port, and a path.
func splitRepoURL(s string) (host, path string) {
	if _, rest, ok := strings.Cut(s, "://"); ok {
		// The query and fragment go before the host is split off, as
		// "https://host?x" has no slash before them.
		if i := strings.IndexAny(rest, "?#"); i >= 0 {
			rest = rest[:i]
		}
		authority, path, _ := strings.Cut(rest, "/")
		return stripPort(stripUserinfo(authority)), path
	}
	// scp-like: a colon before any slash, as in git@host:org/app.git.
	if i := strings.Index(s, ":"); i > 0 && !strings.Contains(s[:i], "/") {
		return stripUserinfo(s[:i]), s[i+1:]
	}
	return "", s
}

// stripUserinfo drops "user:password@" from an authority; the last '@'
// counts, as a password may hold one.
func stripUserinfo(authority string) string {
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		return authority[i+1:]
	}
	return authority
}

// stripPort drops ":port" from a host, keeping IPv6 literals whole.
func stripPort(host string) string {
	if strings.HasPrefix(host, "[") {
		if i := strings.Index(host, "]"); i >= 0 {
			return host[:i+1]
		}
		return host
	}
	if i := strings.LastIndex(host, ":"); i >= 0 {
		return host[:i]
	}
	return host
}
