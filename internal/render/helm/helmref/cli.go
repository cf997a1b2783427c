package helmref

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/render"
)

// StandInEnv, set to "1", makes a test binary whose TestMain calls
// ServeIfAsked act as the helm CLI: kustomize runs it as its helm command.
const StandInEnv = "TUGBOAT_TEST_HELM"

// ServeIfAsked answers as the helm CLI and exits when StandInEnv is set;
// a TestMain calls it first.
func ServeIfAsked() {
	if os.Getenv(StandInEnv) == "1" {
		os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
	}
}

// Main acts as the helm CLI for kustomize's own chart inflation (its
// helmCharts field runs `helm version` and `helm template`), so that a test
// binary can stand in for a helm binary this machine does not have. It
// answers the arguments kustomize's HelmChart.AsHelmArgs builds and
// returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "version" {
		fmt.Fprintln(stdout, "v3.17.0+gtugboat")
		return 0
	}
	if len(args) == 0 || args[0] != "template" {
		fmt.Fprintf(stderr, "helmref: unsupported command %q\n", args)
		return 2
	}
	out, err := template(args[1:])
	if err != nil {
		fmt.Fprintln(stderr, "helmref:", err)
		return 1
	}
	fmt.Fprint(stdout, out)
	return 0
}

func template(args []string) (string, error) {
	var pos []string
	opts := render.HelmOptions{SkipCRDs: true}
	var noHooks, skipTests bool
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
	out, err := Template(render.Request{Root: "/", Kind: render.KindHelm, Helm: opts})
	if err != nil {
		return "", err
	}
	return dropHooks(out, noHooks, skipTests)
}

// dropHooks leaves out what --no-hooks (every hook) or --skip-tests (test
// hooks) leave out of a rendered stream.
func dropHooks(stream string, noHooks, skipTests bool) (string, error) {
	r := k8syaml.NewYAMLReader(bufio.NewReader(strings.NewReader(stream)))
	var b strings.Builder
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return b.String(), nil
		}
		if err != nil {
			return "", err
		}
		var meta struct {
			Metadata struct {
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return "", err
		}
		hook, isHook := meta.Metadata.Annotations["helm.sh/hook"]
		if isHook && (noHooks || skipTests && strings.Contains(hook, "test")) {
			continue
		}
		if len(bytes.TrimSpace(doc)) > 0 {
			b.WriteString("---\n")
			b.Write(doc)
		}
	}
}
