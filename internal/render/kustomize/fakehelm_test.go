package kustomize_test

import (
	"os"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/render/helm/helmref"
)

// The test binary stands in for the helm CLI, so that kustomize's own
// chart inflation can serve as an oracle without a helm binary: `helm
// template` is answered by the Helm SDK's own action.
func TestMain(m *testing.M) {
	helmref.ServeIfAsked()
	os.Exit(m.Run())
}
