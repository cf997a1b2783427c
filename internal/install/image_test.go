package install

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TestPin resolves references against an in-process registry holding one
// image under the tags v1 and latest: a tag becomes repository@digest, a
// reference with a digest is kept as given without a lookup (its digest
// is in no registry), and bad references fail with what is wrong.
func TestPin(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	digest := pushRandom(t, host+"/tugboat/tug", "v1", "latest")
	other := "sha256:" + strings.Repeat("ab", 32)

	tests := []struct {
		name       string
		ref        string
		want       string
		wantPinned bool
		wantErr    string
	}{
		{name: "tag", ref: host + "/tugboat/tug:v1", want: host + "/tugboat/tug@" + digest},
		{name: "no tag is latest", ref: host + "/tugboat/tug", want: host + "/tugboat/tug@" + digest},
		{name: "digest", ref: host + "/tugboat/tug@" + other, want: host + "/tugboat/tug@" + other, wantPinned: true},
		{name: "tag and digest", ref: host + "/tugboat/tug:v1@" + other, want: host + "/tugboat/tug:v1@" + other, wantPinned: true},
		{name: "unknown tag", ref: host + "/tugboat/tug:v2", wantErr: "resolve " + host + "/tugboat/tug:v2 to a digest"},
		{name: "unknown repository", ref: host + "/tugboat/none:v1", wantErr: "to a digest"},
		{name: "empty", ref: "", wantErr: "no controller image"},
		{name: "upper case", ref: host + "/Tugboat/tug:v1", wantErr: "image \"" + host + "/Tugboat/tug:v1\""},
		{name: "short digest", ref: host + "/tugboat/tug@sha256:abc", wantErr: "image"},
		{name: "bad tag", ref: host + "/tugboat/tug:v1!", wantErr: "image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pin(tt.ref)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Pin(%q) = %q, %v; want an error containing %q", tt.ref, got.ref, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Pin(%q): %v", tt.ref, err)
			}
			if got.ref != tt.want || got.pinned != tt.wantPinned {
				t.Errorf("Pin(%q) = %q (pinned %v), want %q (pinned %v)", tt.ref, got.ref, got.pinned, tt.want, tt.wantPinned)
			}
		})
	}
}

type pinned struct {
	ref    string
	pinned bool
}

func pin(ref string) (pinned, error) {
	r, err := ParseImage(ref, Registry{})
	if err != nil {
		return pinned{}, err
	}
	out, err := r.Pin(context.Background(), Registry{})
	return pinned{out, r.Pinned()}, err
}

// pushRandom pushes a random image to repo under each tag and returns its
// digest.
func pushRandom(t *testing.T, repo string, tags ...string) string {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range tags {
		ref, err := name.NewTag(repo + ":" + tag)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(ref, img); err != nil {
			t.Fatal(err)
		}
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// TestRepository keeps the user's spelling of the repository: a Docker Hub
// name stays short, a registry with a port keeps it.
func TestRepository(t *testing.T) {
	tests := []struct{ ref, want string }{
		{"tug:v1", "tug"},
		{"tug", "tug"},
		{"127.0.0.1:5000/tug", "127.0.0.1:5000/tug"},
		{"127.0.0.1:5000/tug:latest", "127.0.0.1:5000/tug"},
		{"ghcr.io/tugboat-gitops/tug:1.2.3", "ghcr.io/tugboat-gitops/tug"},
	}
	for _, tt := range tests {
		tag, err := name.NewTag(tt.ref)
		if err != nil {
			t.Fatal(err)
		}
		if got := repository(tt.ref, tag); got != tt.want {
			t.Errorf("repository(%q) = %q, want %q", tt.ref, got, tt.want)
		}
	}
}
