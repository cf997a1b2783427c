package install

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tugboat-gitops/tugboat/internal/buildimage"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestPinBuiltImage builds the controller's image as `make image` does
// (around a stand-in binary), pushes it under a tag to the local registry,
// which requires auth, and installs it by that tag: the tag resolves to
// exactly the digest reference the build printed, and that is the image
// the Deployment runs. Without credentials the lookup fails.
func TestPinBuiltImage(t *testing.T) {
	reg := testenv.NewRegistry(t)
	bin := filepath.Join(t.TempDir(), "tug")
	if err := os.WriteFile(bin, []byte("#!/bin/true\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	repo := reg.Host + "/tugboat/tug"
	built, err := buildimage.Build(buildimage.Options{Binary: bin, Repository: repo, Tag: "v0.1.0", Auth: reg.Authenticator()})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := ParseImage(repo+":v0.1.0", Registry{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := ref.Pin(ctx, Registry{}); err == nil || !strings.Contains(err.Error(), "to a digest") {
		t.Errorf("anonymous lookup: %v, want it refused", err)
	}
	pinned, err := ref.Pin(ctx, Registry{Username: reg.Username, Password: reg.Password, Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	if pinned != built {
		t.Fatalf("resolved %s, the build pushed %s", pinned, built)
	}
	objs, err := Objects(pinned)
	if err != nil {
		t.Fatal(err)
	}
	var images []string
	for _, o := range objs {
		if o.GetKind() != "Deployment" {
			continue
		}
		containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
		for _, c := range containers {
			images = append(images, c.(map[string]any)["image"].(string))
		}
	}
	if len(images) != 1 || images[0] != built {
		t.Errorf("the Deployment runs %q, want [%s]", images, built)
	}
}
