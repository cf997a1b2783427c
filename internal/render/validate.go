package render

import (
	"errors"
	"fmt"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// Validate checks that every object has an apiVersion, a kind and a name,
// and that no two objects share an id; errors name the objects' sources.
func Validate(objs []*object.Object) error {
	var errs []error
	seen := make(map[object.ID]*object.Object, len(objs))
	for _, o := range objs {
		if err := validateObject(o); err != nil {
			errs = append(errs, err)
			continue
		}
		id := o.ID()
		if first, dup := seen[id]; dup {
			errs = append(errs, fmt.Errorf("duplicate object %s: in %s and in %s", id, first.Source, o.Source))
			continue
		}
		seen[id] = o
	}
	return errors.Join(errs...)
}

func validateObject(o *object.Object) error {
	where := o.Source
	if where == "" {
		where = "object"
	}
	switch {
	case o.GetAPIVersion() == "":
		return fmt.Errorf("%s: object without apiVersion (kind %q, name %q)", where, o.GetKind(), o.GetName())
	case o.GetKind() == "":
		return fmt.Errorf("%s: object without kind (apiVersion %q, name %q)", where, o.GetAPIVersion(), o.GetName())
	case o.GetName() == "" && o.GetGenerateName() != "":
		return fmt.Errorf("%s: %s has metadata.generateName but no name: a GitOps object needs a stable name", where, o.GetKind())
	case o.GetName() == "":
		return fmt.Errorf("%s: %s without metadata.name", where, o.GetKind())
	}
	return nil
}
