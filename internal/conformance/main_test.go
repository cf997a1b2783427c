package conformance

import (
	"os"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/render/helm/helmref"
)

// The test binary stands in for the helm CLI in the reference render's
// kustomize helmCharts inflation: no helm binary is on this machine, and
// the Helm SDK's action is the reference anyway.
func TestMain(m *testing.M) {
	helmref.ServeIfAsked()
	os.Exit(m.Run())
}
