package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/image"
	"github.com/tugboat-gitops/tugboat/internal/image/policy"
)

// ExitNoMatch is the exit code of tug image latest when no tag satisfies
// the policy: an answer, not a failure, as grep's 1.
const ExitNoMatch = 1

// policyFlags are the flags that make an ImagePolicySpec.
type policyFlags struct {
	semver       string
	prereleases  bool
	alphabetical string
	numerical    string
	digest       string
	filter       string
	extract      string
}

func (p *policyFlags) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&p.semver, "semver", "", "pick the highest version in this range (^1.2, ~1.2, >=1.0 <2.0)")
	f.BoolVar(&p.prereleases, "prereleases", false, "with --semver: pre-releases (1.2.0-rc.1) may be picked")
	f.StringVar(&p.alphabetical, "alphabetical", "", "pick the last tag in string order (asc), or the first (desc)")
	f.StringVar(&p.numerical, "numerical", "", "read tags as numbers, pick the highest (asc) or lowest (desc)")
	f.StringVar(&p.digest, "digest", "", "follow this moving tag and print TAG@DIGEST")
	f.StringVar(&p.filter, "filter", "", "keep only the tags this regular expression matches")
	f.StringVar(&p.extract, "extract", "", "with --filter: sort on this template of its captures ($ts, ${ts}, $1) instead of the whole tag")
	// The order is optional: a bare --alphabetical means asc.
	f.Lookup("alphabetical").NoOptDefVal = v1alpha1.OrderAsc
	f.Lookup("numerical").NoOptDefVal = v1alpha1.OrderAsc
	completeWith(cmd, "alphabetical", []string{v1alpha1.OrderAsc, v1alpha1.OrderDesc})
	completeWith(cmd, "numerical", []string{v1alpha1.OrderAsc, v1alpha1.OrderDesc})
}

// flagNames says which flag each field of a spec comes from, so that a
// validation error names what the user typed.
var flagNames = strings.NewReplacer(
	"policy.semver.range", "--semver",
	"policy.alphabetical.order", "--alphabetical",
	"policy.numerical.order", "--numerical",
	"policy.digest.tag", "--digest",
	"filterTags.pattern", "--filter",
	"filterTags.extract", "--extract",
	"image ", "REPOSITORY ",
)

// spec builds and validates the policy for repository.
func (p *policyFlags) spec(repository string) (v1alpha1.ImagePolicySpec, error) {
	s := v1alpha1.ImagePolicySpec{Image: repository}
	var kinds []string
	if p.semver != "" {
		s.Policy.Semver = &v1alpha1.SemverPolicy{Range: p.semver, Prereleases: p.prereleases}
		kinds = append(kinds, "--semver")
	}
	if p.alphabetical != "" {
		s.Policy.Alphabetical = &v1alpha1.OrderPolicy{Order: p.alphabetical}
		kinds = append(kinds, "--alphabetical")
	}
	if p.numerical != "" {
		s.Policy.Numerical = &v1alpha1.OrderPolicy{Order: p.numerical}
		kinds = append(kinds, "--numerical")
	}
	if p.digest != "" {
		s.Policy.Digest = &v1alpha1.DigestPolicy{Tag: p.digest}
		kinds = append(kinds, "--digest")
	}
	if len(kinds) != 1 {
		return s, fmt.Errorf("give exactly one of --semver, --alphabetical, --numerical, --digest (%d given)", len(kinds))
	}
	if p.prereleases && p.semver == "" {
		return s, errors.New("--prereleases goes with --semver")
	}
	if p.filter != "" || p.extract != "" {
		s.FilterTags = &v1alpha1.TagFilter{Pattern: p.filter, Extract: p.extract}
	}
	if err := s.Validate(); err != nil {
		return s, errors.New(flagNames.Replace(err.Error()))
	}
	return s, nil
}

// latestArgs takes the order of a bare --alphabetical or --numerical from
// the arguments, where "--numerical desc REPO" puts it (pflag binds an
// optional value only when written --numerical=desc).
func (p *policyFlags) latestArgs(cmd *cobra.Command, args []string) (string, error) {
	ordered := cmd.Flags().Changed("alphabetical") || cmd.Flags().Changed("numerical")
	if len(args) == 2 && ordered {
		for i, a := range args {
			if a != v1alpha1.OrderAsc && a != v1alpha1.OrderDesc {
				continue
			}
			if p.alphabetical != "" {
				p.alphabetical = a
			}
			if p.numerical != "" {
				p.numerical = a
			}
			return args[1-i], nil
		}
	}
	if len(args) != 1 {
		return "", fmt.Errorf("want one REPOSITORY, got %d arguments", len(args))
	}
	return args[0], nil
}

func newImageLatestCommand(g *GlobalOptions) *cobra.Command {
	p := &policyFlags{}
	reg := &registryOptions{}
	cmd := &cobra.Command{
		Use:   "latest REPOSITORY (--semver RANGE | --alphabetical [asc|desc] | --numerical [asc|desc] | --digest TAG)",
		Short: "Print the tag of an image repository that a policy picks",
		Long: `Read the tags of REPOSITORY (ghcr.io/org/app, 127.0.0.1:5000/team/app,
nginx) and print the one the policy picks, as an ImagePolicy or an
imagePolicies entry of tugboat.yaml would. Under --digest, print TAG@DIGEST,
where the tag points now.

--filter keeps the tags a regular expression matches; --extract sorts on a
part of them: --filter '^main-[a-f0-9]+-(?P<ts>[0-9]+)$' --extract '$ts'
--numerical picks the newest build of main.

Registry credentials come from a docker config.json (--registry-config).
Exit code: 0 a tag was picked, 1 no tag satisfies the policy, 2 error.`,
		Example: `  tug image latest ghcr.io/org/app --semver '^1.2'
  tug image latest ghcr.io/org/app --digest stable -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			repository, err := p.latestArgs(cmd, args)
			if err != nil {
				return err
			}
			spec, err := p.spec(repository)
			if err != nil {
				return err
			}
			sc, err := reg.scanner(spec.Image, false)
			if err != nil {
				return err
			}
			res, err := image.Resolve(cmd.Context(), sc, spec)
			if errors.Is(err, policy.ErrNoMatch) {
				return &ExitError{Code: ExitNoMatch, Err: err}
			}
			if err != nil {
				return err
			}
			return g.Print(&latestResult{Image: spec.Image, Tag: res.Image.Tag, Digest: res.Image.Digest,
				Tags: res.Tags, Requests: res.Requests, Truncated: res.Truncated})
		},
	}
	p.addFlags(cmd)
	reg.addFlags(cmd, true)
	return cmd
}

// latestResult is what tug image latest found.
type latestResult struct {
	Image  string `json:"image"`
	Tag    string `json:"tag"`
	Digest string `json:"digest,omitempty"`
	// Tags is how many tags the registry listed.
	Tags int `json:"tags"`
	// Requests is how many HTTP requests reading them took.
	Requests int `json:"requests"`
	// Truncated: the repository holds more tags than were read.
	Truncated bool `json:"truncated,omitempty"`
}

// WriteText prints TAG, or TAG@DIGEST.
func (r *latestResult) WriteText(w io.Writer) error {
	out := r.Tag
	if r.Digest != "" {
		out += "@" + r.Digest
	}
	return write(w, []byte(out+"\n"))
}
