package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/internal/image"
	"github.com/tugboat-gitops/tugboat/internal/image/scan"
)

// newImageCommand builds `tug image`: image automation in push mode, the
// same resolution, setters and commits as the controller's.
func newImageCommand(g *GlobalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Find an image's latest tag and write images into an app's files",
		Long: `Image automation from the command line or CI: the same registry scans,
tag policies, YAML setters and commits as the controller's.

  tug image latest REPOSITORY --semver RANGE   the tag a policy picks
  tug image set [PATH | --app NAME] IMAGE=TAG  set an image in an app's files
  tug image update [--app NAME]                set the images tugboat.yaml's imagePolicies pick

set and update edit the files in place; --commit commits them in the local
repository; --push commits and pushes to origin's current branch, redoing the
edit on the new head when someone else pushed first; --repo URL --push does
the same without a local checkout.`,
	}
	cmd.AddCommand(newImageLatestCommand(g), newImageSetCommand(g), newImageUpdateCommand(g))
	return cmd
}

// registryOptions are the registry flags: where credentials come from.
type registryOptions struct {
	config   string
	insecure bool

	loaded   bool
	data     []byte // the docker config; nil means anonymous
	scanners map[string]*scan.Scanner
}

func (o *registryOptions) addFlags(cmd *cobra.Command, insecure bool) {
	cmd.Flags().StringVar(&o.config, "registry-config", "", "docker config.json with registry credentials (default $DOCKER_CONFIG/config.json, else ~/.docker/config.json, if present; credential helpers are not run)")
	if insecure {
		cmd.Flags().BoolVar(&o.insecure, "insecure", false, "reach the registry over plain HTTP (loopback registries always are)")
	}
}

// scanner returns the scanner for repository's registry, authenticated
// with the docker config's entry for it, if any. Scanners are kept per
// registry, so that a registry's handshake is made once.
func (o *registryOptions) scanner(repository string, insecure bool) (*scan.Scanner, error) {
	insecure = insecure || o.insecure
	var opts []name.Option
	if insecure {
		opts = append(opts, name.Insecure)
	}
	repo, err := name.NewRepository(repository, opts...)
	if err != nil {
		return nil, fmt.Errorf("image repository %q: %w", repository, err)
	}
	key := fmt.Sprintf("%s insecure=%t", repo.RegistryStr(), insecure)
	if sc, ok := o.scanners[key]; ok {
		return sc, nil
	}
	data, err := o.dockerConfig()
	if err != nil {
		return nil, err
	}
	auth := authn.Anonymous
	if data != nil {
		if auth, err = scan.AuthFromDockerConfig(data, repo.RegistryStr()); err != nil {
			return nil, fmt.Errorf("--registry-config: %w", err)
		}
	}
	if o.scanners == nil {
		o.scanners = map[string]*scan.Scanner{}
	}
	sc := scan.New(scan.Options{Auth: auth, Insecure: insecure})
	o.scanners[key] = sc
	return sc, nil
}

// dockerConfig reads --registry-config, or docker's default config when it
// exists: a missing default means anonymous, a missing flag's file is an
// error.
func (o *registryOptions) dockerConfig() ([]byte, error) {
	if o.loaded {
		return o.data, nil
	}
	path, explicit := o.config, o.config != ""
	if !explicit {
		path = defaultDockerConfig()
	}
	if path != "" {
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			o.data = data
		case explicit || !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("registry credentials: %w", err)
		}
	}
	o.loaded = true
	return o.data, nil
}

// defaultDockerConfig is where docker keeps its config: $DOCKER_CONFIG,
// else ~/.docker.
func defaultDockerConfig() string {
	if dir := os.Getenv("DOCKER_CONFIG"); dir != "" {
		return filepath.Join(dir, "config.json")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".docker", "config.json")
}

// imageResult is what set and update did.
type imageResult struct {
	// Policies are what update resolved.
	Policies []resolvedPolicy `json:"policies,omitempty"`
	Changes  []image.Change   `json:"changes"`
	// Commit is the commit made, if any.
	Commit string `json:"commit,omitempty"`
	Branch string `json:"branch,omitempty"`
	// Repository is the remote pushed to, without credentials.
	Repository string `json:"repository,omitempty"`
	Pushed     bool   `json:"pushed,omitempty"`
	// Attempts counts the edits a push made (more than one: the branch
	// moved meanwhile).
	Attempts int `json:"attempts,omitempty"`
	// Local says what became of the local checkout after a push.
	Local string `json:"local,omitempty"`
}

// resolvedPolicy is an imagePolicies entry and the image it picked.
type resolvedPolicy struct {
	Name  string `json:"name"`
	Image string `json:"image"`
	// Tags is how many tags the registry listed (none for a digest policy).
	Tags int `json:"tags"`
}

// WriteText prints the policies, a line per change, and the commit.
func (r *imageResult) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, p := range r.Policies {
		fmt.Fprintf(&b, "policy %s: %s\n", p.Name, p.Image)
	}
	for _, c := range r.Changes {
		fmt.Fprintln(&b, c)
	}
	switch {
	case len(r.Changes) == 0:
		b.WriteString("nothing to change\n")
	case r.Pushed:
		fmt.Fprintf(&b, "pushed %s to %s of %s", shortSHA(r.Commit), r.Branch, r.Repository)
		if r.Attempts > 1 {
			fmt.Fprintf(&b, " (attempt %d: the branch had moved)", r.Attempts)
		}
		b.WriteString("\n")
	case r.Commit != "":
		fmt.Fprintf(&b, "committed %s on %s\n", shortSHA(r.Commit), r.Branch)
	}
	if r.Local != "" {
		b.WriteString(r.Local + "\n")
	}
	return write(w, []byte(b.String()))
}

func shortSHA(sha string) string {
	return sha[:min(len(sha), 12)]
}
