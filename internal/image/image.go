// Package image is image automation's one path, which both drivers call:
// Resolve reads a policy's latest image from its registry (package scan,
// then package policy), Set writes images into apps' files (package
// setter), and Message says what changed in a commit message. `tug image`
// and the controller differ only in where the images come from and in
// whether they commit with package writeback.
package image

import (
	"context"
	"fmt"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/image/policy"
	"github.com/tugboat-gitops/tugboat/internal/image/scan"
	"github.com/tugboat-gitops/tugboat/internal/image/setter"
)

// Resolved is a policy's latest image and what reading it cost.
type Resolved struct {
	Image setter.Image
	// Tags is how many tags the registry listed.
	Tags int
	// Requests is how many HTTP requests the registry was sent.
	Requests int
	// NotModified is true when the registry said the tag list had not
	// changed since the scanner's previous scan.
	NotModified bool
	// Truncated is true when the list was longer than the scanner's cap.
	Truncated bool
}

// Resolve picks spec's latest image from its registry with sc. A digest
// policy costs one manifest HEAD, which says where its tag points now
// (a moved tag yields a new image); the others list the tags and deploy
// by tag, without a request per tag.
func Resolve(ctx context.Context, sc *scan.Scanner, spec v1alpha1.ImagePolicySpec) (Resolved, error) {
	pol, err := policy.New(spec)
	if err != nil {
		return Resolved{}, fmt.Errorf("image policy for %s: %w", spec.Image, err)
	}
	if tag, ok := pol.DigestTag(); ok {
		d, err := sc.Digest(ctx, spec.Image, tag)
		res := Resolved{Requests: d.Requests}
		if err != nil {
			return res, err
		}
		res.Image = setter.Image{Repository: spec.Image, Tag: tag, Digest: d.Digest}
		return res, nil
	}
	list, err := sc.Tags(ctx, spec.Image)
	res := Resolved{Tags: len(list.Tags), Requests: list.Requests, NotModified: list.NotModified, Truncated: list.Truncated}
	if err != nil {
		return res, err
	}
	tag, err := pol.Latest(list.Tags)
	if err != nil {
		// The policy's error describes the policy.
		return res, fmt.Errorf("%s: %w", spec.Image, err)
	}
	res.Image = setter.Image{Repository: spec.Image, Tag: tag}
	return res, nil
}
