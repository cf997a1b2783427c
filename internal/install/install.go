// Package install builds the objects that install Tugboat's controller in
// a cluster: the CRDs and the manifests embedded from deploy/, with the
// controller's image filled in. `tug install` applies them as an app of
// their own, with the same engine as any other.
package install

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/tugboat-gitops/tugboat/deploy"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

// App is the app name the installation is applied and recorded under.
const App = "tugboat"

// imagePlaceholder is the image in deploy/install, replaced on install.
const imagePlaceholder = "IMAGE"

// Objects returns the installation, the controller running image.
func Objects(image string) ([]*object.Object, error) {
	if image == "" {
		return nil, fmt.Errorf("install: no controller image (give --image, e.g. what `make image` pushed)")
	}
	var out []*object.Object
	for _, dir := range []string{"crds", "install"} {
		files, err := fs.Glob(deploy.Files, dir+"/*.yaml")
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			data, err := fs.ReadFile(deploy.Files, f)
			if err != nil {
				return nil, err
			}
			text := strings.ReplaceAll(string(data), "image: "+imagePlaceholder, "image: "+image)
			objs, err := object.Decode("deploy/"+f, []byte(text), object.Limits{})
			if err != nil {
				return nil, err
			}
			out = append(out, objs...)
		}
	}
	return out, nil
}
