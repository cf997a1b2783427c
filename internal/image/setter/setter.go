// Package setter rewrites image references in an app's YAML files: fields
// carrying a marker comment (`# {"tugboat": "POLICY"}`, with `:tag`,
// `:name` and `:digest` variants), the `images:` list of kustomization
// files, and fields named by path (Helm values without markers).
//
// Fields are located with YAML nodes, but only the bytes of the scalars
// that change are spliced, in their own quoting style, so comments, key
// order and formatting of the rest of each file stay byte for byte. SetFile
// is pure; Apply walks an app's path, confined to its repository.
package setter

import (
	"errors"
	"fmt"
)

// Image is a chosen image.
type Image struct {
	Repository string
	Tag        string
	// Digest, when set, means deploy by digest (a digest policy, or an
	// update pinned to a digest).
	Digest string
}

// String returns repo:tag, repo@digest or repo:tag@digest.
func (i Image) String() string {
	s := i.Repository
	if i.Tag != "" {
		s += ":" + i.Tag
	}
	if i.Digest != "" {
		s += "@" + i.Digest
	}
	return s
}

// Request says what to set.
type Request struct {
	// Policies maps a policy name to its latest image. Every marker and
	// field must name one of these, unless Repositories is set.
	Policies map[string]Image
	// Repositories maps an image repository to the image to set, for
	// `tug image set REPO=TAG`. Full-reference markers and fields match by
	// the repository currently in them, `:name` ones by their value, and
	// `:tag` and `:digest` ones follow a matched marker of the same policy
	// in the same file; kustomization entries match by repository. Markers
	// of policies absent from Policies are then skipped, not errors.
	Repositories map[string]Image
	// Fields are targets named by path, for files without markers.
	Fields []Field
}

// Parts of an image reference a target may hold.
const (
	PartFull   = ""
	PartTag    = "tag"
	PartName   = "name"
	PartDigest = "digest"
)

// Field is a target named by its path in a file.
type Field struct {
	// File is slash-separated: relative to the app's path in Apply, and
	// compared with the name given to SetFile.
	File string
	// Path is dot-separated keys with optional indexes: "image.tag",
	// "a.b[0].c". It is looked up in every document of the file.
	Path   string
	Policy string
	// Part is PartFull, PartTag, PartName or PartDigest.
	Part string
}

// Change is one scalar set (or one kustomization key inserted).
type Change struct {
	// File is the name given to SetFile; in Apply, slash-separated and
	// relative to the repository root.
	File string
	Line int
	// Policy is the policy that chose the image; empty for a match by
	// repository.
	Policy     string
	Repository string
	// Old and New are the field's values, which may be a whole reference
	// or only its tag, name or digest; Old is empty for an inserted key.
	Old, New string
}

// Kinds of error, for errors.Is.
var (
	ErrUnknownPolicy = errors.New("unknown image policy")
	ErrInvalidYAML   = errors.New("not valid YAML")
	ErrNotSettable   = errors.New("not a single-line scalar")
	ErrBadMarker     = errors.New("malformed marker")
	ErrPathNotFound  = errors.New("path not found")
	ErrConflict      = errors.New("conflicting images")
	ErrNoValue       = errors.New("image has no value for this part")
	ErrBadValue      = errors.New("invalid image value")
)

// Error is a problem at one place of one file.
type Error struct {
	File string
	Line int // 0 when the problem is the whole file
	Err  error
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

func errAt(file string, line int, kind error, format string, args ...any) error {
	return &Error{File: file, Line: line, Err: fmt.Errorf("%w: "+format, append([]any{kind}, args...)...)}
}
