package setter

import (
	"errors"
	"fmt"
	"sort"
)

// Referenced returns, sorted, the policies that the markers of the files
// below appPath and the fields name: those whose images a Request for this
// app needs (the controller fetches only these). It reads the files as
// Apply does, confined to root, and fails as Apply would on a file that
// is not valid YAML or a malformed marker.
func Referenced(root, appPath string, fields []Field) ([]string, error) {
	files, _, errs := collect(root, appPath, nil)
	seen := map[string]bool{}
	for _, f := range fields {
		seen[f.Policy] = true
	}
	for _, f := range files {
		data, _, err := readFile(f.abs)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.name, err))
			continue
		}
		names, err := markedPolicies(f.name, data)
		if err != nil {
			errs = append(errs, err)
		}
		for _, n := range names {
			seen[n] = true
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("find image policies in %s: %w", appPath, errors.Join(errs...))
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// markedPolicies lists the policies named by the markers of one file.
func markedPolicies(name string, data []byte) ([]string, error) {
	if !hasMarker(data) {
		return nil, nil
	}
	docs, err := parseDocs(data)
	if err != nil {
		return nil, &Error{File: name, Err: fmt.Errorf("%w: %v", ErrInvalidYAML, err)}
	}
	m := markers{file: name, text: newText(data)}
	for _, doc := range docs {
		m.walk(doc)
	}
	var names []string
	for _, t := range m.targets {
		names = append(names, t.policy)
	}
	return names, errors.Join(m.errs...)
}
