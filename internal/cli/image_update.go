package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/image"
	"github.com/tugboat-gitops/tugboat/internal/image/setter"
)

func newImageUpdateCommand(g *GlobalOptions) *cobra.Command {
	o := &writeOptions{}
	reg := &registryOptions{}
	cmd := &cobra.Command{
		Use:   "update [--app NAME] [--commit | --push [--repo URL]]",
		Short: "Set the images that tugboat.yaml's imagePolicies pick in the apps' files",
		Long: `Resolve every imagePolicies entry of tugboat.yaml against its registry, as
tug image latest does, and set the images they pick in the files of the app
--app (default: every app whose files are in this repository): fields whose
marker comment names a policy, the app's imageUpdate.fields, and
kustomizations' images: entries for a policy's image. Every policy is
resolved, not only those a marker names, because a kustomization entry
matches a policy by its image alone; a policy that cannot be resolved fails
the command before any file is written.

Registry credentials come from a docker config.json (--registry-config); the
policies' secretRef is the controller's. --commit, --push and --repo work as
for tug image set; with --push, tugboat.yaml and the files are read from the
clone that is pushed. The CI step after a build:

  tug image update --push`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res := &imageResult{}
			r := &policyResolver{reg: reg, cache: map[string]image.Resolved{}}
			plan := func(ctx context.Context, c *checkout) ([]image.Target, error) {
				images, resolved, err := r.resolve(ctx, c.policies)
				res.Policies = resolved
				if err != nil {
					return nil, err
				}
				return c.targets(func(a imageApp) setter.Request {
					return setter.Request{Policies: images, Fields: image.Fields(a.update)}
				}), nil
			}
			return o.run(cmd.Context(), g, "", plan, res)
		},
	}
	o.addFlags(cmd)
	reg.addFlags(cmd, false)
	return cmd
}

// policyResolver resolves imagePolicies entries. A push that retries
// reads them again from the new clone; an unchanged spec is not asked of
// its registry twice.
type policyResolver struct {
	reg   *registryOptions
	cache map[string]image.Resolved
}

// resolve picks the image of every policy, all or nothing: the error
// names each policy that failed.
func (r *policyResolver) resolve(ctx context.Context, policies []v1alpha1.NamedImagePolicy) (map[string]setter.Image, []resolvedPolicy, error) {
	if len(policies) == 0 {
		return nil, nil, fmt.Errorf("%s has no imagePolicies: nothing says which images to set", v1alpha1.FileName)
	}
	images := make(map[string]setter.Image, len(policies))
	var out []resolvedPolicy
	var errs []error
	for _, p := range policies {
		res, err := r.one(ctx, p.ImagePolicySpec)
		if err != nil {
			errs = append(errs, fmt.Errorf("image policy %s: %w", p.Name, err))
			continue
		}
		images[p.Name] = res.Image
		out = append(out, resolvedPolicy{Name: p.Name, Image: res.Image.String(), Tags: res.Tags})
	}
	return images, out, errors.Join(errs...)
}

func (r *policyResolver) one(ctx context.Context, spec v1alpha1.ImagePolicySpec) (image.Resolved, error) {
	key, err := json.Marshal(spec)
	if err != nil {
		return image.Resolved{}, fmt.Errorf("encode the policy: %w", err)
	}
	if res, ok := r.cache[string(key)]; ok {
		return res, nil
	}
	sc, err := r.reg.scanner(spec.Image, spec.Insecure)
	if err != nil {
		return image.Resolved{}, err
	}
	res, err := image.Resolve(ctx, sc, spec)
	if err != nil {
		return image.Resolved{}, err
	}
	r.cache[string(key)] = res
	return res, nil
}
