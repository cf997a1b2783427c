package kustomize_test

import (
	"os"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/render/helm/helmref"
)

// fakeHelmEnv makes the test binary act as the helm CLI, so that
// kustomize's own chart inflation can serve as an oracle without a helm
// binary: `helm template` is answered by the Helm SDK's own action.
const fakeHelmEnv = "TUGBOAT_TEST_FAKE_HELM"

func TestMain(m *testing.M) {
	if os.Getenv(fakeHelmEnv) == "1" {
		os.Exit(helmref.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
