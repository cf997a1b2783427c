package git

import (
	"errors"
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Ref says which commit of a repository to fetch. At most one field is set;
// the zero Ref means the remote's HEAD, its default branch.
type Ref struct {
	// Branch is a branch name, such as "main".
	Branch string
	// Tag is a tag name, such as "v1.2.3".
	Tag string
	// SemVer is a semantic version range over the tags, such as
	// ">=1.2 <2". Tags named X.Y.Z or vX.Y.Z (with an optional pre-release
	// or build suffix) take part; the highest that matches wins.
	SemVer string
	// Commit is a full (40 hex digits) or abbreviated (at least 4) commit
	// SHA. It need not be at the tip of a branch or tag.
	Commit string
	// Name is a branch or a tag, tried in that order; if neither exists
	// and Name is 7 to 40 hex digits, it is tried as an abbreviated commit.
	Name string
}

// Abbreviated commits must be at least this long, as with git.
const (
	minCommitPrefix    = 4
	minBareCommitGuess = 7
	fullSHALen         = 40
)

// ParseRef parses the ref syntax of the command line:
//
//	""  or "HEAD"          the remote's default branch
//	branch:<name>          a branch
//	tag:<name>             a tag
//	semver:<range>         the highest tag in a semver range ("semver:>=1.2 <2")
//	commit:<sha>           a full or abbreviated commit
//	<40 hex digits>        a commit
//	<name>                 a branch, else a tag, else (7+ hex digits) a commit
func ParseRef(s string) (Ref, error) {
	kind, value, found := strings.Cut(s, ":")
	var r Ref
	switch {
	case s == "" || s == "HEAD":
	case found && kind == "branch":
		r.Branch = value
	case found && kind == "tag":
		r.Tag = value
	case found && kind == "semver":
		r.SemVer = value
	case found && kind == "commit":
		r.Commit = value
	case len(s) == fullSHALen && isHex(s):
		r.Commit = s
	default:
		r.Name = s
	}
	if err := r.Validate(); err != nil {
		return Ref{}, fmt.Errorf("parse ref %q: %w", s, err)
	}
	return r, nil
}

// String returns r in the syntax ParseRef reads.
func (r Ref) String() string {
	switch {
	case r.Branch != "":
		return "branch:" + r.Branch
	case r.Tag != "":
		return "tag:" + r.Tag
	case r.SemVer != "":
		return "semver:" + r.SemVer
	case r.Commit != "":
		if len(r.Commit) == fullSHALen {
			return r.Commit
		}
		return "commit:" + r.Commit
	case r.Name != "":
		return r.Name
	}
	return "HEAD"
}

// Validate checks that at most one field is set and that it is well formed.
func (r Ref) Validate() error {
	set := 0
	for _, v := range []string{r.Branch, r.Tag, r.SemVer, r.Commit, r.Name} {
		if v != "" {
			set++
		}
	}
	if set > 1 {
		return errors.New("set only one of branch, tag, semver, commit and name")
	}
	switch {
	case r.SemVer != "":
		if _, err := semver.NewConstraint(r.SemVer); err != nil {
			return fmt.Errorf("invalid semver range %q: %w", r.SemVer, err)
		}
	case r.Commit != "":
		if len(r.Commit) < minCommitPrefix || len(r.Commit) > fullSHALen || !isHex(r.Commit) {
			return fmt.Errorf("invalid commit %q: want %d to %d hex digits", r.Commit, minCommitPrefix, fullSHALen)
		}
	}
	for _, name := range []string{r.Branch, r.Tag, r.Name} {
		if err := validRefName(name); err != nil {
			return err
		}
	}
	return nil
}

// validRefName refuses what git refuses in a ref name and what would break
// a refspec; the name is later matched against the remote's refs only.
func validRefName(name string) error {
	if strings.ContainsAny(name, " ~^:?*[\\\x7f") || strings.Contains(name, "..") ||
		strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") || strings.HasPrefix(name, "-") {
		return fmt.Errorf("invalid ref name %q", name)
	}
	for _, c := range name {
		if c < ' ' {
			return fmt.Errorf("invalid ref name %q", name)
		}
	}
	return nil
}

func isHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}
