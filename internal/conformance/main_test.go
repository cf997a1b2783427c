package conformance

import (
	"os"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/render/helm/helmref"
)

// helmEnv makes the test binary act as the helm CLI, for kustomize's own
// helmCharts inflation in the reference render: no helm binary is on this
// machine, and the Helm SDK's action is the reference anyway.
const helmEnv = "TUGBOAT_TEST_HELM"

func TestMain(m *testing.M) {
	if os.Getenv(helmEnv) == "1" {
		os.Exit(helmref.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
