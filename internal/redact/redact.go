// Package redact keeps credentials out of what Tugboat shows: errors, logs,
// events and status. URLs lose their userinfo (and, when parsed, their
// query values), OCI references lose the userinfo of their host, and known
// secret values are masked wherever they appear, escaped forms included.
//
// Secret objects in diffs are another matter: package plan redacts those.
package redact

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Mask replaces every known secret in redacted text.
const Mask = "***"

// invalidURL stands for a URL that does not parse: printing it as it is
// could print a secret.
const invalidURL = "<invalid URL>"

// userinfoRE matches the userinfo of a URL with a scheme. The greedy class
// runs to the last "@" before the path, so a password holding an unescaped
// "@" is removed whole rather than cut in two.
var userinfoRE = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.\-]*://)[^\s/?#]*@`)

// URL returns u as a string fit for an error or a log: without its
// userinfo, and with the value of every query parameter masked, since
// chart repositories and signed download URLs carry tokens there.
func URL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = maskQuery(c.RawQuery)
	return c.String()
}

// URLString is URL for a URL held as a string. One that does not parse is
// replaced by a placeholder rather than risk printing a secret.
func URLString(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return invalidURL
	}
	return URL(u)
}

// maskQuery keeps the names of the parameters of a raw query and masks
// their values, in place so that the order stays as written. A parameter
// without "=" may be a bare token: it is masked whole.
func maskQuery(raw string) string {
	if raw == "" {
		return ""
	}
	params := strings.Split(raw, "&")
	for i, p := range params {
		name, _, ok := strings.Cut(p, "=")
		switch {
		case ok:
			params[i] = name + "=" + Mask
		case p != "":
			params[i] = Mask
		}
	}
	return strings.Join(params, "&")
}

// Text removes the userinfo (user name and password or token) of every URL
// with a scheme in text, "https://user:token@host/x" becoming
// "https://host/x", and masks every occurrence of the given secrets, also
// in their URL-escaped forms. Empty secrets are ignored. Text without a
// URL or a secret, such as an scp-like "git@host:path", is returned as it
// is, so Text also serves for one URL that must stay usable.
func Text(text string, secrets ...string) string {
	text = userinfoRE.ReplaceAllString(text, "$1")
	for _, s := range secretVariants(secrets) {
		text = strings.ReplaceAll(text, s, Mask)
	}
	return text
}

// secretVariants returns the secrets and their escaped forms, longest
// first, so that a secret containing another is replaced whole.
func secretVariants(secrets []string) []string {
	var out []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		userinfo := strings.TrimPrefix(url.UserPassword("", s).String(), ":")
		out = append(out, s, url.QueryEscape(s), url.PathEscape(s), userinfo)
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(out)
}

// OCIRef returns an OCI reference ("host/repo:tag", with or without
// "oci://") without the userinfo a caller may have put in its host part.
// An "@" after the host is a digest and stays.
func OCIRef(ref string) string {
	rest, scheme := strings.CutPrefix(ref, "oci://")
	host, path, hasPath := strings.Cut(rest, "/")
	if i := strings.LastIndex(host, "@"); i >= 0 {
		host = host[i+1:]
	}
	out := host
	if scheme {
		out = "oci://" + out
	}
	if hasPath {
		out += "/" + path
	}
	return out
}
