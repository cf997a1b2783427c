// Package deploy embeds what installs Tugboat in a cluster: the CRDs
// (generated from api/, see `make generate`) and the controller's
// manifests, so that `tug install` needs nothing but the binary.
package deploy

import "embed"

// Files holds crds/*.yaml and install/*.yaml.
//
//go:embed crds/*.yaml install/*.yaml
var Files embed.FS
