package source

import (
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// redacted replaces every known secret in redacted text.
const redacted = "***"

// userinfoRE matches the userinfo of a URL with a scheme. The greedy class
// runs to the last "@" before the path, so a password holding an unescaped
// "@" is removed whole rather than cut in two.
var userinfoRE = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.\-]*://)[^\s/?#]*@`)

// RedactURL removes the userinfo (user name and password or token) from a
// URL: "https://user:token@host/x" becomes "https://host/x". Text that is
// not a URL with a scheme is returned unchanged.
func RedactURL(raw string) string {
	return userinfoRE.ReplaceAllString(raw, "$1")
}

// Redact removes the userinfo of every URL in text and replaces every
// occurrence of the given secrets, also in their URL-escaped forms, with
// "***". Empty secrets are ignored.
func Redact(text string, secrets ...string) string {
	text = RedactURL(text)
	for _, s := range secretVariants(secrets) {
		text = strings.ReplaceAll(text, s, redacted)
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

// Error is an error whose message has been redacted. It keeps the meaning
// of the error it replaces (Kind, one of this package's Err values or a
// context error) and nothing else of its chain, so that unwrapping cannot
// reach unredacted text.
type Error struct {
	// Kind is what errors.Is matches; nil when the meaning is unknown.
	Kind error
	// Msg is the redacted message.
	Msg string
}

// Error returns the redacted message.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns Kind.
func (e *Error) Unwrap() error { return e.Kind }

// RedactError returns err with its message passed through Redact and its
// chain replaced by its meaning (see Error). It returns nil for nil.
func RedactError(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	out := &Error{Msg: Redact(err.Error(), secrets...)}
	for _, kind := range errorKinds {
		if errors.Is(err, kind) {
			out.Kind = kind
			break
		}
	}
	return out
}
