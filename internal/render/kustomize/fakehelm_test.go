package kustomize_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/render/helm"
)

// fakeHelmEnv makes the test binary act as the helm CLI, so that
// kustomize's own chart inflation can serve as an oracle without a helm
// binary: `helm template` is answered by Tugboat's Helm renderer.
const fakeHelmEnv = "TUGBOAT_TEST_FAKE_HELM"

func TestMain(m *testing.M) {
	if os.Getenv(fakeHelmEnv) == "1" {
		os.Exit(fakeHelm(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func fakeHelm(args []string) int {
	if len(args) > 0 && args[0] == "version" {
		fmt.Println("v3.17.0+gtugboat")
		return 0
	}
	if len(args) == 0 || args[0] != "template" {
		fmt.Fprintf(os.Stderr, "fake helm: unsupported command %q\n", args)
		return 2
	}
	out, err := fakeTemplate(args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake helm:", err)
		return 1
	}
	fmt.Print(out)
	return 0
}

// fakeTemplate answers the arguments kustomize's HelmChart.AsHelmArgs
// builds.
func fakeTemplate(args []string) (string, error) {
	var pos []string
	var opts render.HelmOptions
	var noHooks, skipTests bool
	opts.SkipCRDs = true
	for i := 0; i < len(args); i++ {
		next := func() string { i++; return args[i] }
		switch args[i] {
		case "--namespace":
			opts.Namespace = next()
		case "-f":
			opts.ValuesFiles = append(opts.ValuesFiles, strings.TrimPrefix(next(), "/"))
		case "--api-versions":
			opts.APIVersions = append(opts.APIVersions, next())
		case "--kube-version":
			opts.KubeVersion = next()
		case "--include-crds":
			opts.SkipCRDs = false
		case "--skip-tests":
			skipTests = true
		case "--no-hooks":
			noHooks = true
		case "--debug", "--devel":
		default:
			if strings.HasPrefix(args[i], "-") {
				return "", fmt.Errorf("unsupported flag %s", args[i])
			}
			pos = append(pos, args[i])
		}
	}
	if len(pos) != 2 {
		return "", fmt.Errorf("want a release name and a chart, got %q", pos)
	}
	opts.ReleaseName, opts.ChartDir = pos[0], pos[1]
	objs, err := helm.Renderer{}.Render(context.Background(), render.Request{Root: "/", Kind: render.KindHelm, Helm: opts})
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, o := range objs {
		hook := o.GetAnnotations()["helm.sh/hook"]
		if hook != "" && (noHooks || skipTests && strings.Contains(hook, "test")) {
			continue
		}
		data, err := yaml.Marshal(o.Object)
		if err != nil {
			return "", err
		}
		b.WriteString("---\n" + string(data))
	}
	return b.String(), nil
}
