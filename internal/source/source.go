// Package source holds what every source of manifests shares: the Artifact
// a fetch produces, the Source interface, credentials as plain data, and
// the errors that say what went wrong, redacted (with package redact) so
// that those credentials stay out of errors, logs and output.
// The implementations live in subpackages (git, and later helm and oci).
package source

import (
	"context"
	"errors"
)

// Artifact is a fetched revision on local disk.
type Artifact struct {
	// Revision names what was fetched and what it resolved to, in the form
	// "<ref>@sha1:<commit>" for a branch or tag ("main@sha1:3f2a…",
	// "v1.3.1@sha1:…" for a semver range resolved to tag v1.3.1) and
	// "sha1:<commit>" for a ref given as a commit. It never carries
	// credentials, so it can go into status, events and logs as it is.
	Revision string
	// Commit is the full SHA of the fetched commit.
	Commit string
	// Dir is the root of the checkout. It is shared with later fetches of
	// the same commit, so callers must treat it as read-only.
	Dir string
}

// Source fetches the revision it was configured with.
type Source interface {
	// Fetch resolves the configured ref and returns the checkout of the
	// commit it points to.
	Fetch(ctx context.Context) (*Artifact, error)
}

// Errors that Source implementations wrap so that callers can tell the
// meaning of a failure (and map it to a condition) without parsing text.
var (
	// ErrAuthRequired: the server asks for credentials and none were given.
	ErrAuthRequired = errors.New("authentication required")
	// ErrAuthFailed: the server rejected the credentials given. Chart
	// repositories (package helmrepo) also report with it a demand for
	// credentials when none were given.
	ErrAuthFailed = errors.New("authentication failed")
	// ErrNotFound: the repository, ref or commit does not exist.
	ErrNotFound = errors.New("not found")
	// ErrHostKey: the SSH server's host key is unknown or does not match
	// the known_hosts given.
	ErrHostKey = errors.New("host key verification failed")
)

// errorKinds are the meanings RedactError keeps, in order of precedence.
var errorKinds = []error{
	ErrHostKey, ErrAuthFailed, ErrAuthRequired, ErrNotFound,
	context.Canceled, context.DeadlineExceeded,
}
