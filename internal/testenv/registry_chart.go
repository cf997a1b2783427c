package testenv

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The media types `helm push` uses for a chart in an OCI registry.
const (
	HelmChartConfigMediaType types.MediaType = "application/vnd.cncf.helm.config.v1+json"
	HelmChartLayerMediaType  types.MediaType = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
)

// PushChartArchive pushes a packaged chart as `helm push` does: an OCI
// manifest with the Helm config media type and one chart layer, tagged with
// version ("+" becomes "_", which tags cannot hold). It returns the layer
// digest, the sha256 of the archive.
func (r *Registry) PushChartArchive(ctx context.Context, repo, version string, archive []byte) (string, error) {
	layer := static.NewLayer(archive, HelmChartLayerMediaType)
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, HelmChartConfigMediaType)
	img, err := mutate.Append(img, mutate.Addendum{Layer: layer, MediaType: HelmChartLayerMediaType})
	if err != nil {
		return "", fmt.Errorf("chart image: %w", err)
	}
	ref, err := r.Reference(repo, strings.ReplaceAll(version, "+", "_"))
	if err != nil {
		return "", err
	}
	if err := remote.Write(ref, img, remote.WithAuth(r.Authenticator()), remote.WithContext(ctx)); err != nil {
		return "", fmt.Errorf("push chart %s: %w", ref, err)
	}
	d, err := layer.Digest()
	if err != nil {
		return "", fmt.Errorf("chart digest: %w", err)
	}
	return d.String(), nil
}

// PackageChart packs the chart directory dir as `helm package` lays it out:
// a gzipped tar with every file under "<name>/", name being dir's base name.
func PackageChart(dir string) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	name := filepath.Base(dir)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		hdr := &tar.Header{Name: name + "/" + filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err = tw.Write(body)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = gz.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("package chart %s: %w", dir, err)
	}
	return buf.Bytes(), nil
}
