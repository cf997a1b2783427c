package v1alpha1

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
)

// appName is a DNS label; the CRD's name pattern is the same expression.
var appName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// Validate checks the file's kind and every app, naming the app and field.
func (f *RepositoryFile) Validate() error {
	if f.APIVersion != GroupVersion || f.Kind != RepositoryKind {
		return fmt.Errorf("apiVersion/kind is %q/%q, want %q/%q", f.APIVersion, f.Kind, GroupVersion, RepositoryKind)
	}
	var errs []error
	policies := map[string]bool{}
	for i, p := range f.ImagePolicies {
		if err := p.Validate(); err != nil {
			errs = append(errs, prefixed(fmt.Sprintf("imagePolicies[%d]", i), err))
		}
		if policies[p.Name] {
			errs = append(errs, fmt.Errorf("imagePolicies[%d]: duplicate image policy name %q", i, p.Name))
		}
		policies[p.Name] = true
	}
	seen := map[string]bool{}
	for i, a := range f.Apps {
		if err := a.Validate(); err != nil {
			errs = append(errs, prefixed(fmt.Sprintf("apps[%d]", i), err))
		}
		if seen[a.Name] {
			errs = append(errs, fmt.Errorf("apps[%d]: duplicate app name %q", i, a.Name))
		}
		seen[a.Name] = true
		for j, field := range fieldsOf(a.ImageUpdate) {
			if !policies[field.Policy] {
				errs = append(errs, fmt.Errorf("apps[%d]: app %s: imageUpdate.fields[%d].policy: no imagePolicies entry named %q", i, a.Name, j, field.Policy))
			}
		}
	}
	return errors.Join(errs...)
}

// Validate checks an Application's spec as the app it names. The API
// server checks the same rules from the CRD schema; this is for clients
// and for objects that did not come through it.
func (a *Application) Validate() error {
	spec := a.App()
	return spec.Validate()
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
	if a.Helm != nil && a.Helm.Values != nil && !isObject(a.Helm.Values.Raw) {
		errs = append(errs, fmt.Errorf("app %s: helm.values: want a mapping of values", a.Name))
	}
	if err := a.Destination.validate(); err != nil {
		errs = append(errs, fmt.Errorf("app %s: %w", a.Name, err))
	}
	if err := a.ImageUpdate.validate(); err != nil {
		errs = append(errs, prefixed("app "+a.Name, err))
	}
	return errors.Join(errs...)
}

func (d *Destination) validate() error {
	if d.Cluster == nil {
		return nil
	}
	if d.Context != "" {
		return errors.New("destination: context and cluster are mutually exclusive")
	}
	if d.Cluster.SecretRef.Name == "" {
		return errors.New("destination.cluster.secretRef.name: required")
	}
	return nil
}

// prefixed puts prefix before each error that err joins, so that every
// line of a joined error says where it comes from.
func prefixed(prefix string, err error) error {
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return fmt.Errorf("%s: %w", prefix, err)
	}
	var errs []error
	for _, e := range joined.Unwrap() {
		errs = append(errs, prefixed(prefix, e))
	}
	return errors.Join(errs...)
}

// isObject tells whether raw JSON is an object. Values come from YAML or
// the API server, both of which hand over valid JSON, so a look at the
// first byte is enough.
func isObject(raw []byte) bool {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	return len(raw) > 0 && raw[0] == '{'
}
