package v1alpha1

import (
	"errors"
	"fmt"
	"os"
	"regexp"

	"sigs.k8s.io/yaml"
)

// FileName is the name of the apps file at a repository's root.
const FileName = "tugboat.yaml"

var appName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// LoadRepositoryFile reads and validates a tugboat.yaml. Unknown fields
// are errors naming the field, so a typo does not silently mean a default.
func LoadRepositoryFile(path string) (*RepositoryFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var f RepositoryFile
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &f, nil
}

// Validate checks the file's kind and every app, naming the app and field.
func (f *RepositoryFile) Validate() error {
	if f.APIVersion != GroupVersion || f.Kind != RepositoryKind {
		return fmt.Errorf("apiVersion/kind is %q/%q, want %q/%q", f.APIVersion, f.Kind, GroupVersion, RepositoryKind)
	}
	var errs []error
	seen := map[string]bool{}
	for i, a := range f.Apps {
		if err := a.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("apps[%d]: %w", i, err))
		}
		if seen[a.Name] {
			errs = append(errs, fmt.Errorf("apps[%d]: duplicate app name %q", i, a.Name))
		}
		seen[a.Name] = true
	}
	return errors.Join(errs...)
}

// Validate checks one app spec.
func (a *AppSpec) Validate() error {
	var errs []error
	if !appName.MatchString(a.Name) {
		errs = append(errs, fmt.Errorf("name %q: want a DNS label (lowercase letters, digits, '-', at most 63)", a.Name))
	}
	switch a.Renderer {
	case "", "plain", "kustomize", "helm":
	default:
		errs = append(errs, fmt.Errorf("app %s: renderer %q: want plain, kustomize or helm", a.Name, a.Renderer))
	}
	if a.Path == "" && a.Chart == nil {
		errs = append(errs, fmt.Errorf("app %s: path: required unless chart is given", a.Name))
	}
	if a.Chart != nil && (a.Chart.Repo == "" || a.Chart.Name == "") {
		errs = append(errs, fmt.Errorf("app %s: chart: repo and name are required", a.Name))
	}
	return errors.Join(errs...)
}

// App returns the app named name.
func (f *RepositoryFile) App(name string) (*AppSpec, error) {
	for i := range f.Apps {
		if f.Apps[i].Name == name {
			return &f.Apps[i], nil
		}
	}
	names := make([]string, len(f.Apps))
	for i, a := range f.Apps {
		names[i] = a.Name
	}
	return nil, fmt.Errorf("no app %q in %s (apps: %v)", name, FileName, names)
}
