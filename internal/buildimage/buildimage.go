// Package buildimage builds the controller's container image without a
// Docker engine: the static tug binary (and CA certificates, for HTTPS
// sources) as one layer, run as a non-root user, pushed with
// go-containerregistry. Install manifests then name it by digest.
package buildimage

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Options say what to build and where to push it.
type Options struct {
	// Binary is a static linux tug binary.
	Binary string
	// CACerts, if set, is a CA bundle put at /etc/ssl/certs/ca-certificates.crt.
	CACerts string
	// Repository is where to push, e.g. 127.0.0.1:5000/tugboat/tug; Tag
	// names the push (the result is named by digest anyway).
	Repository, Tag string
	// Auth authenticates the push; nil is anonymous.
	Auth authn.Authenticator
}

// user is the image's user and group: no root, no home.
const user = "65532:65532"

// Build builds the image and pushes it, and returns its reference by
// digest (repository@sha256:...).
func Build(opts Options) (string, error) {
	layer, err := layer(opts)
	if err != nil {
		return "", err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return "", err
	}
	img, err = mutate.Config(img, v1.Config{
		Entrypoint: []string{"/tug"}, Cmd: []string{"controller"}, User: user, WorkingDir: "/tmp",
		Env: []string{"HOME=/tmp", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"},
	})
	if err != nil {
		return "", err
	}
	img = mutate.MediaType(img, "application/vnd.oci.image.manifest.v1+json")
	ref, err := name.NewTag(opts.Repository+":"+opts.Tag, name.Insecure)
	if err != nil {
		return "", fmt.Errorf("image %s:%s: %w", opts.Repository, opts.Tag, err)
	}
	auth := opts.Auth
	if auth == nil {
		auth = authn.Anonymous
	}
	if err := remote.Write(ref, img, remote.WithAuth(auth)); err != nil {
		return "", fmt.Errorf("push %s: %w", ref, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return "", err
	}
	return opts.Repository + "@" + digest.String(), nil
}

// layer is the image's one layer: /tug, /tmp, and the CA bundle if given,
// with fixed times so that the same binary gives the same digest.
func layer(opts Options) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0)
	if err := tw.WriteHeader(&tar.Header{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 0o1777, ModTime: epoch}); err != nil {
		return nil, err
	}
	files := []struct{ path, src string }{{"tug", opts.Binary}}
	if opts.CACerts != "" {
		files = append(files, struct{ path, src string }{"etc/ssl/certs/ca-certificates.crt", opts.CACerts})
	}
	for _, f := range files {
		data, err := os.ReadFile(f.src)
		if err != nil {
			return nil, fmt.Errorf("image layer: %w", err)
		}
		mode := int64(0o644)
		if f.path == "tug" {
			mode = 0o755
		}
		if err := tw.WriteHeader(&tar.Header{Name: f.path, Mode: mode, Size: int64(len(data)), ModTime: epoch, Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
}
