package v1alpha1

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"unicode"

	"github.com/Masterminds/semver/v3"
)

// Validate checks an ImagePolicy's name and spec. The API server checks
// what the CRD schema can; this checks the rest (a semver range, the
// captures an extract names).
func (p *ImagePolicy) Validate() error {
	var errs []error
	if !appName.MatchString(p.Name) {
		errs = append(errs, fmt.Errorf("metadata.name %q: want a DNS label (markers name the policy by it)", p.Name))
	}
	if err := p.Spec.Validate(); err != nil {
		errs = append(errs, prefixed("spec", err))
	}
	return errors.Join(errs...)
}

// Validate checks an entry of tugboat.yaml's imagePolicies.
func (p *NamedImagePolicy) Validate() error {
	if !appName.MatchString(p.Name) {
		return fmt.Errorf("name %q: want a DNS label (lowercase letters, digits, '-', at most 63)", p.Name)
	}
	if err := p.ImagePolicySpec.Validate(); err != nil {
		return prefixed("imagePolicy "+p.Name, err)
	}
	return nil
}

// imageRepo is an image repository without tag or digest, as
// distribution's reference grammar has it; the CRD's image pattern is the
// same expression.
var imageRepo = regexp.MustCompile(`^((([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(:[0-9]+)?/)?[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*$`)

// imageTag is an OCI tag; the CRD's digest.tag pattern is the same.
var imageTag = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// Validate checks a policy spec as far as it can be without a registry,
// naming fields from the spec down ("policy.semver.range: ...").
func (s *ImagePolicySpec) Validate() error {
	var errs []error
	switch {
	case strings.Contains(s.Image, "@"):
		errs = append(errs, fmt.Errorf("image %q: want a repository without digest", s.Image))
	case strings.Contains(s.Image[strings.LastIndex(s.Image, "/")+1:], ":"):
		errs = append(errs, fmt.Errorf("image %q: want a repository without tag", s.Image))
	case !imageRepo.MatchString(s.Image) || len(s.Image) > 255:
		errs = append(errs, fmt.Errorf("image %q: not an image repository (e.g. ghcr.io/org/app)", s.Image))
	}
	if err := s.Policy.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := s.FilterTags.validate(); err != nil {
		errs = append(errs, err)
	}
	if s.Interval != nil && s.Interval.Duration <= 0 {
		errs = append(errs, fmt.Errorf("interval %s: want a positive duration", s.Interval.Duration))
	}
	if s.SecretRef != nil && s.SecretRef.Name == "" {
		errs = append(errs, errors.New("secretRef.name: required"))
	}
	return errors.Join(errs...)
}

func (p *TagPolicy) validate() error {
	set := 0
	for _, isSet := range []bool{p.Semver != nil, p.Alphabetical != nil, p.Numerical != nil, p.Digest != nil} {
		if isSet {
			set++
		}
	}
	if set != 1 {
		return fmt.Errorf("policy: want exactly one of semver, alphabetical, numerical, digest (%d given)", set)
	}
	switch {
	case p.Semver != nil:
		if p.Semver.Range == "" {
			return errors.New("policy.semver.range: required")
		}
		if _, err := semver.NewConstraint(p.Semver.Range); err != nil {
			return fmt.Errorf("policy.semver.range %q: %w", p.Semver.Range, err)
		}
	case p.Alphabetical != nil:
		return p.Alphabetical.validate("policy.alphabetical")
	case p.Numerical != nil:
		return p.Numerical.validate("policy.numerical")
	case !imageTag.MatchString(p.Digest.Tag):
		return fmt.Errorf("policy.digest.tag %q: want a tag (letters, digits, '_', '.', '-', at most 128)", p.Digest.Tag)
	}
	return nil
}

func (o *OrderPolicy) validate(field string) error {
	switch o.Order {
	case "", OrderAsc, OrderDesc:
		return nil
	}
	return fmt.Errorf("%s.order %q: want asc or desc", field, o.Order)
}

func (f *TagFilter) validate() error {
	if f == nil {
		return nil
	}
	if f.Pattern == "" {
		if f.Extract != "" {
			return errors.New("filterTags.extract: requires filterTags.pattern")
		}
		return nil
	}
	re, err := regexp.Compile(f.Pattern)
	if err != nil {
		return fmt.Errorf("filterTags.pattern: %w", err)
	}
	if f.Extract == "" {
		return nil
	}
	refs := captureRefs(f.Extract)
	if len(refs) == 0 {
		return fmt.Errorf("filterTags.extract %q: names no capture (want $name, ${name} or $N)", f.Extract)
	}
	for _, ref := range refs {
		n, err := strconv.Atoi(ref)
		if err == nil && n > re.NumSubexp() || err != nil && re.SubexpIndex(ref) < 0 {
			return fmt.Errorf("filterTags.extract %q: filterTags.pattern has no capture %q", f.Extract, ref)
		}
	}
	return nil
}

// captureRefs returns the captures a template refers to, read as
// regexp.Expand reads them: $$ is a dollar, $name takes the longest run
// of letters, digits and underscores, ${name} is braced, and a $ followed
// by anything else is kept as it is.
func captureRefs(template string) []string {
	var refs []string
	for {
		i := strings.IndexByte(template, '$')
		if i < 0 {
			return refs
		}
		template = template[i+1:]
		if strings.HasPrefix(template, "$") {
			template = template[1:]
			continue
		}
		brace := strings.HasPrefix(template, "{")
		rest := strings.TrimPrefix(template, "{")
		end := strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' })
		if end < 0 {
			end = len(rest)
		}
		if end == 0 || brace && !strings.HasPrefix(rest[end:], "}") {
			continue
		}
		refs = append(refs, rest[:end])
		template = strings.TrimPrefix(rest[end:], "}")
	}
}

// imageField's patterns; the CRD's are the same expressions.
var (
	gitBranch = regexp.MustCompile(`^[^\s~^:?*\[\\]+$`)
	dotPath   = regexp.MustCompile(`^[^.]+(\.[^.]+)*$`)
)

func (u *ImageUpdateSpec) validate() error {
	if u == nil {
		return nil
	}
	var errs []error
	if u.Branch != "" && !gitBranch.MatchString(u.Branch) {
		errs = append(errs, fmt.Errorf("imageUpdate.branch %q: not a branch name", u.Branch))
	}
	if u.MessageTemplate != "" {
		if _, err := template.New("message").Parse(u.MessageTemplate); err != nil {
			errs = append(errs, fmt.Errorf("imageUpdate.messageTemplate: %w", err))
		}
	}
	if u.SecretRef != nil && u.SecretRef.Name == "" {
		errs = append(errs, errors.New("imageUpdate.secretRef.name: required"))
	}
	for i, f := range u.Fields {
		if err := f.validate(); err != nil {
			errs = append(errs, prefixed(fmt.Sprintf("imageUpdate.fields[%d]", i), err))
		}
	}
	return errors.Join(errs...)
}

func (f *ImageField) validate() error {
	var errs []error
	if !filepath.IsLocal(filepath.FromSlash(f.File)) {
		errs = append(errs, fmt.Errorf("file %q: want a path inside the app's path", f.File))
	}
	if !dotPath.MatchString(f.Path) {
		errs = append(errs, fmt.Errorf("path %q: want keys joined by dots (image.tag)", f.Path))
	}
	if !appName.MatchString(f.Policy) {
		errs = append(errs, fmt.Errorf("policy %q: want an image policy's name (a DNS label)", f.Policy))
	}
	switch f.Part {
	case "", ImagePartTag, ImagePartName, ImagePartDigest:
	default:
		errs = append(errs, fmt.Errorf("part %q: want tag, name, digest or none", f.Part))
	}
	return errors.Join(errs...)
}

// fieldsOf returns the fields an image update names, if any.
func fieldsOf(u *ImageUpdateSpec) []ImageField {
	if u == nil {
		return nil
	}
	return u.Fields
}
