package cli

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/internal/image"
	"github.com/tugboat-gitops/tugboat/internal/image/setter"
	"github.com/tugboat-gitops/tugboat/internal/redact"
)

func newImageSetCommand(g *GlobalOptions) *cobra.Command {
	o := &writeOptions{}
	cmd := &cobra.Command{
		Use:   "set [PATH | --app NAME] IMAGE=TAG... [--commit | --push [--repo URL]]",
		Short: "Set images in an app's files: IMAGE=TAG, IMAGE=TAG@DIGEST or IMAGE@DIGEST",
		Long: `Set the images of repository IMAGE in the YAML files below PATH (default: the
current directory), or below the path of the app --app of tugboat.yaml (whose
imageUpdate.fields are set too). The fields set are those a marker comment
names (# {"tugboat": "POLICY"}, and its :tag, :name and :digest forms) that
hold IMAGE, and kustomizations' images: entries for IMAGE; comments and
formatting stay as they are. Nothing to change is not an error.

The first argument is PATH when it holds no '=' and no '@'.

--commit commits the changed files in the local git repository (refused when
something else is staged or the app's path has uncommitted changes).
--push instead clones origin's branch checked out, sets the images there,
commits and pushes, and sets them again on the new head if someone pushed
first; then the local branch is fast-forwarded to the commit if its work
tree is clean. --repo URL --push does the same without a local checkout,
reading tugboat.yaml (-f) and PATH in the clone: CI's "bump the environment"
step. Git credentials come from TUGBOAT_GIT_* and are never printed.`,
		Example: `  tug image set apps/web ghcr.io/org/web=1.4.2
  tug image set --app web ghcr.io/org/web=1.4.2@sha256:... --commit
  tug image set --repo https://git.example.com/env.git --app web ghcr.io/org/web=1.4.2 --push`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, images := splitSetArgs(args)
			repos, err := parseImageArgs(images)
			if err != nil {
				return err
			}
			switch {
			case path != "" && o.app != "":
				return errors.New("give a PATH or --app, not both")
			case path == "" && o.app == "":
				path = "."
			}
			plan := func(_ context.Context, c *checkout) ([]image.Target, error) {
				return c.targets(func(a imageApp) setter.Request {
					return setter.Request{Repositories: repos, Fields: image.Fields(a.update)}
				}), nil
			}
			return o.run(cmd.Context(), g, path, plan, &imageResult{})
		},
	}
	o.addFlags(cmd)
	return cmd
}

// splitSetArgs tells PATH, the first argument if it holds no '=' and no
// '@', from the images.
func splitSetArgs(args []string) (path string, images []string) {
	if len(args) > 0 && !strings.ContainsAny(args[0], "=@") {
		return args[0], args[1:]
	}
	return "", args
}

// imageTag is an OCI tag.
var imageTag = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// parseImageArgs reads IMAGE=TAG, IMAGE=TAG@DIGEST and IMAGE@DIGEST into
// the images to set, by repository.
func parseImageArgs(args []string) (map[string]setter.Image, error) {
	if len(args) == 0 {
		return nil, errors.New("give at least one IMAGE=TAG")
	}
	out := make(map[string]setter.Image, len(args))
	for _, a := range args {
		if host, _, ok := strings.Cut(a, "/"); ok && strings.Contains(host, "@") {
			// Not echoed: what comes before the "@" may be a password.
			return nil, fmt.Errorf("%q: credentials do not belong in an image reference", redact.OCIRef(a))
		}
		img, err := parseImageArg(a)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", a, err)
		}
		if prev, ok := out[img.Repository]; ok && prev != img {
			return nil, fmt.Errorf("%s is given twice, as %s and %s", img.Repository, prev, img)
		}
		out[img.Repository] = img
	}
	return out, nil
}

func parseImageArg(a string) (setter.Image, error) {
	var img setter.Image
	if repo, value, ok := strings.Cut(a, "="); ok {
		img.Repository = repo
		img.Tag, img.Digest, _ = strings.Cut(value, "@")
		if img.Tag == "" {
			return img, errors.New("no tag after '=' (a digest alone is IMAGE@DIGEST)")
		}
		if !imageTag.MatchString(img.Tag) {
			return img, fmt.Errorf("tag %q: want letters, digits, '_', '.' and '-', at most 128", img.Tag)
		}
	} else if i := strings.LastIndex(a, "@"); i >= 0 {
		img.Repository, img.Digest = a[:i], a[i+1:]
	} else {
		return img, errors.New("want IMAGE=TAG, IMAGE=TAG@DIGEST or IMAGE@DIGEST")
	}
	// Parsed only to be checked: files hold the repository as written.
	repo, err := name.NewRepository(img.Repository)
	if err != nil {
		return img, fmt.Errorf("image %q: not an image repository without tag (e.g. ghcr.io/org/app): %w", img.Repository, err)
	}
	if img.Digest != "" {
		if _, err := name.NewDigest(repo.Name() + "@" + img.Digest); err != nil {
			return img, fmt.Errorf("digest %q: want sha256: and 64 hex digits", img.Digest)
		}
	}
	return img, nil
}
