// Package render turns a directory of a repository into the exact list of
// Kubernetes objects it declares: plain manifests, a kustomization or a Helm
// chart, then the same post-rendering and validation for all three.
package render

import (
	"context"

	"k8s.io/client-go/rest"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// Kind names a renderer.
type Kind string

// The renderers.
const (
	KindAuto      Kind = ""
	KindPlain     Kind = "plain"
	KindKustomize Kind = "kustomize"
	KindHelm      Kind = "helm"
)

// Request is what to render. Every path in it is relative to Root, the
// checkout of the repository, and is not allowed to leave it.
type Request struct {
	// Root is the repository checkout; Path the app's directory in it.
	Root, Path string
	// Kind is the renderer; KindAuto detects it from the directory.
	Kind      Kind
	Kustomize KustomizeOptions
	Helm      HelmOptions
	Post      PostOptions
	Limits    Limits
}

// Limits bound the work one render may do.
type Limits struct {
	object.Limits
	// MaxTotalBytes caps the rendered output (default 100 MiB).
	MaxTotalBytes int64
}

// KustomizeOptions are the opt-ins of the kustomize renderer; everything
// here is off by default because it reaches outside the repository or runs
// code.
type KustomizeOptions struct {
	// AllowRemoteBases lets resources and bases be git or HTTP URLs, and
	// the files a kustomization reads (patches, generator files, ...) be
	// HTTP URLs.
	AllowRemoteBases bool
	// EnableHelm lets helmCharts inflate charts vendored in the repository,
	// with Tugboat's Helm renderer (no helm binary is run).
	EnableHelm bool
}

// HelmOptions are `helm template` flags.
type HelmOptions struct {
	// ChartDir, when set, is an absolute path to an unpacked chart fetched
	// from a chart repository; otherwise the chart is Root/Path.
	ChartDir string
	// ReleaseName defaults to the directory name; Namespace to "default".
	ReleaseName, Namespace string
	// ValuesFiles are relative to Root and merged in order.
	ValuesFiles []string
	// Values are inline values merged after the files; Set are `--set`
	// expressions applied last.
	Values map[string]any
	Set    []string
	// KubeVersion and APIVersions are the capabilities templates see; the
	// pipeline fills them from the target cluster when it has one.
	KubeVersion string
	APIVersions []string
	// SkipCRDs leaves out the chart's crds/ directory.
	SkipCRDs bool
	// Lookup, when set, lets the templates' lookup function read the
	// target cluster, as `helm install` and Flux do, so that charts which
	// keep a generated password or certificate once made (Bitnami's) render
	// the same again; without it lookup finds nothing, as in `helm
	// template`. Such a render is not cached. The pipeline sets it.
	Lookup *rest.Config `json:"-"`
	// Fetcher fetches the dependencies Chart.lock pins that charts/ lacks;
	// nil refuses them (file:// ones excepted). The pipeline sets it.
	Fetcher ChartFetcher `json:"-"`
}

// ChartFetcher fetches a packaged Helm chart from a chart repository: the
// helm renderer's only way to the network, injected so that rendering
// stays pure.
type ChartFetcher interface {
	// FetchChart returns the path of the archive (.tgz) of chart name at
	// exactly version from repository (https://, http:// or oci://). Its
	// errors never hold credentials.
	FetchChart(ctx context.Context, repository, name, version string) (string, error)
}

// Renderer produces the objects of one kind of source.
type Renderer interface {
	Render(ctx context.Context, req Request) ([]*object.Object, error)
}
