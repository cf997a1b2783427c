package install

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Registry says how to reach the registry that holds the controller's
// image when a tag is resolved to its digest. The zero value reads
// credentials from the Docker config (~/.docker/config.json and its
// helpers), as docker and crane do, and speaks HTTPS but to loopback.
type Registry struct {
	// Username and Password, when Username is set, authenticate instead
	// of the Docker config.
	Username, Password string
	// Insecure allows plain HTTP to any registry, not only to loopback.
	Insecure bool
}

// ImageRef is a parsed --image: the reference as given and whether it
// names a digest already.
type ImageRef struct {
	ref  string
	name name.Reference
}

// ParseImage checks that ref is an image reference: repository[:tag],
// repository@sha256:..., or repository:tag@sha256:....
func ParseImage(ref string, reg Registry) (ImageRef, error) {
	if ref == "" {
		return ImageRef{}, fmt.Errorf("install: no controller image (give --image, e.g. what `make image` pushed)")
	}
	var opts []name.Option
	if reg.Insecure {
		opts = append(opts, name.Insecure)
	}
	n, err := name.ParseReference(ref, opts...)
	if err != nil {
		return ImageRef{}, fmt.Errorf("install: image %q: %w", ref, err)
	}
	return ImageRef{ref: ref, name: n}, nil
}

// String returns the reference as given.
func (r ImageRef) String() string { return r.ref }

// Pinned reports whether the reference names a digest, and so one image
// for good; a tag alone can be moved to another image at any time.
func (r ImageRef) Pinned() bool {
	_, ok := r.name.(name.Digest)
	return ok
}

// Pin returns the reference by digest: as given when it names a digest
// already (with or without a tag: the digest is what runs), else
// repository@DIGEST with the digest the tag has in the registry now, so
// that the Deployment keeps running this very image whatever later
// happens to the tag.
func (r ImageRef) Pin(ctx context.Context, reg Registry) (string, error) {
	tag, ok := r.name.(name.Tag)
	if !ok {
		return r.ref, nil
	}
	opts := []remote.Option{remote.WithContext(ctx)}
	if reg.Username != "" {
		opts = append(opts, remote.WithAuth(&authn.Basic{Username: reg.Username, Password: reg.Password}))
	} else {
		opts = append(opts, remote.WithAuthFromKeychain(authn.DefaultKeychain))
	}
	// HEAD costs no manifest download; some registries answer it without
	// the digest header, so GET is tried then, as crane digest does.
	desc, err := remote.Head(tag, opts...)
	if err != nil {
		got, getErr := remote.Get(tag, opts...)
		if getErr != nil {
			return "", fmt.Errorf("install: resolve %s to a digest: %w", r.ref, getErr)
		}
		desc = &got.Descriptor
	}
	return repository(r.ref, tag) + "@" + desc.Digest.String(), nil
}

// repository is ref without its tag, spelled as the user spelled it
// (no index.docker.io/library/ added), when ref names the tag; a bare
// repository means :latest and is the repository already.
func repository(ref string, tag name.Tag) string {
	return strings.TrimSuffix(ref, ":"+tag.TagStr())
}
