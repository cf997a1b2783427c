package setter

import (
	"errors"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/tugboat-gitops/tugboat/internal/confine"
)

// SetValue sets the scalar at fieldPath ("apps[1].chart.version") of the
// first document of data that has it to value, splicing only its bytes
// as SetFile does: for what is not an image, such as the chart version a
// promotion copies. The change is nil when the value was already set.
func SetValue(name string, data []byte, fieldPath, value string) ([]byte, *Change, error) {
	steps, err := parsePath(fieldPath)
	if err != nil {
		return nil, nil, &Error{File: name, Err: fmt.Errorf("%w: %v", ErrPathNotFound, err)}
	}
	docs, err := parseDocs(data)
	if err != nil {
		return nil, nil, &Error{File: name, Err: fmt.Errorf("%w: %v", ErrInvalidYAML, err)}
	}
	for _, doc := range docs {
		n := lookup(doc, steps)
		if n == nil {
			continue
		}
		if n.Kind != yaml.ScalarNode {
			return nil, nil, errAt(name, n.Line, ErrNotSettable, "%s is a %s", fieldPath, kindName(n.Kind))
		}
		s := &fileSetter{name: name, text: newText(data), done: map[*yaml.Node]int{}}
		s.set(n, value, "", "")
		if len(s.errs) > 0 {
			return nil, nil, errors.Join(s.errs...)
		}
		out, changes, err := s.finish(data)
		if err != nil || len(changes) == 0 {
			return out, nil, err
		}
		return out, &changes[0], nil
	}
	return nil, nil, &Error{File: name, Err: fmt.Errorf("%w: %s", ErrPathNotFound, fieldPath)}
}

// ApplyValue is SetValue on the file rel of the repository at root, read
// and written confined to it as Apply's are. The change's File is rel.
func ApplyValue(root, rel, fieldPath, value string) (*Change, error) {
	abs, err := confine.Join(root, rel)
	if err != nil {
		return nil, err
	}
	data, mode, err := readFile(abs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	out, change, err := SetValue(rel, data, fieldPath, value)
	if err != nil || change == nil {
		return nil, err
	}
	if err := writeFile(abs, out, mode); err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	return change, nil
}
