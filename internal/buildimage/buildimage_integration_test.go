package buildimage

import (
	"archive/tar"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestBuildPushes builds an image around a stand-in binary, pushes it to
// the local registry with auth, and reads it back by the digest returned:
// non-root, /tug as the entrypoint, the binary in the layer; building the
// same binary again gives the same digest.
func TestBuildPushes(t *testing.T) {
	reg := testenv.NewRegistry(t)
	bin := filepath.Join(t.TempDir(), "tug")
	if err := os.WriteFile(bin, []byte("#!/bin/true\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	opts := Options{Binary: bin, Repository: reg.Host + "/tugboat/tug", Tag: "test", Auth: reg.Authenticator()}
	ref, err := Build(opts)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Build(opts)
	if err != nil || again != ref {
		t.Errorf("rebuild: %s, %v; want the same digest %s", again, err, ref)
	}
	digest, err := name.NewDigest(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(digest, remote.WithAuth(reg.Authenticator()))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Config.User != user || len(cfg.Config.Entrypoint) != 1 || cfg.Config.Entrypoint[0] != "/tug" {
		t.Errorf("config %+v", cfg.Config)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers %v, %v", layers, err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	found := false
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		found = found || h.Name == "tug" && h.Mode == 0o755
	}
	if !found {
		t.Error("no executable /tug in the layer")
	}
}
