package v1alpha1

import (
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

// FileName is the name of the apps file at a repository's root.
const FileName = "tugboat.yaml"

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
