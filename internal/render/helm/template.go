package helm

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"k8s.io/client-go/rest"

	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/render"
)

// notesSuffix names the templates Helm renders for the user to read, not
// to apply.
const notesSuffix = "NOTES.txt"

// release is what the templates see of the release and of the cluster.
type release struct {
	opts     common.ReleaseOptions
	caps     *common.Capabilities
	skipCRDs bool
	// lookup is the cluster lookup reads, if any.
	lookup *rest.Config
}

// newRelease fills in the defaults of `helm template`: the release is
// named after the chart directory (after the chart, for an archive), lives
// in namespace "default", is an install at revision 1, and sees Helm's
// default capabilities unless the request names the cluster's.
func newRelease(h render.HelmOptions, path string, isDir bool, chartName string) (release, error) {
	name := h.ReleaseName
	if name == "" {
		name = chartName
		if isDir {
			name = filepath.Base(path)
		}
	}
	if err := chartutil.ValidateReleaseName(name); err != nil {
		// Worded as Helm's install action words it.
		return release{}, fmt.Errorf("release name check failed: release name %q: %w", name, err)
	}
	ns := h.Namespace
	if ns == "" {
		ns = defaultNamespace
	}
	caps, err := capabilities(h)
	if err != nil {
		return release{}, err
	}
	opts := common.ReleaseOptions{Name: name, Namespace: ns, Revision: 1, IsInstall: true}
	return release{opts: opts, caps: caps, skipCRDs: h.SkipCRDs, lookup: h.Lookup}, nil
}

// capabilities are Helm's defaults with the request's Kubernetes version
// and, as `helm template --api-versions` does, its API versions added to
// Helm's built-in set.
func capabilities(h render.HelmOptions) (*common.Capabilities, error) {
	caps := common.DefaultCapabilities.Copy()
	if h.KubeVersion != "" {
		kv, err := common.ParseKubeVersion(h.KubeVersion)
		if err != nil {
			return nil, fmt.Errorf("kube version %q: %w", h.KubeVersion, err)
		}
		caps.KubeVersion = *kv
	}
	// A new slice: Copy shares the default set, which other renders read.
	caps.APIVersions = slices.Concat(caps.APIVersions, common.VersionSet(h.APIVersions))
	return caps, nil
}

// doc is one rendered manifest and the chart file it came from.
type doc struct {
	name, content string
}

// renderChart does what Helm's Install.Run and renderResources do for
// `helm template`, minus the cluster: enable dependencies by condition and
// tag, coalesce values, validate them against the charts' schemas, check
// the chart's kubeVersion, execute the templates, and sort the result.
func renderChart(ctx context.Context, chrt *chart.Chart, vals map[string]any, rel release) ([]doc, error) {
	if err := chartutil.ProcessDependencies(chrt, vals); err != nil {
		return nil, fmt.Errorf("chart dependencies processing failed: %w", err)
	}
	// Helm's own schema check may fetch $refs over HTTP or from any local
	// file; validateSchemas runs the same check with those refused.
	top, err := util.ToRenderValuesWithSchemaValidation(chrt, vals, rel.opts, rel.caps, true)
	if err != nil {
		return nil, err
	}
	if err := validateSchemas(chrt, top["Values"]); err != nil {
		return nil, err
	}
	if kv := chrt.Metadata.KubeVersion; kv != "" && !chartutil.IsCompatibleRange(kv, rel.caps.KubeVersion.String()) {
		return nil, fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", kv, rel.caps.KubeVersion.Version)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	eng := engine.Engine{}
	if rel.lookup != nil {
		eng = engine.New(rel.lookup)
	}
	files, err := eng.RenderWithContext(ctx, chrt, top)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return sortDocs(chrt, files, rel.skipCRDs)
}

// sortDocs orders the output as `helm template` prints it: the crds/ files
// of the chart and its subcharts, the manifests in Helm's install order,
// then the hooks. Partials, empty files and NOTES.txt are left out, and so
// are hooks of unknown events, as Helm does.
func sortDocs(chrt *chart.Chart, files map[string]string, skipCRDs bool) ([]doc, error) {
	for name := range files {
		if strings.HasSuffix(name, notesSuffix) {
			delete(files, name)
		}
	}
	hooks, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return nil, err
	}
	var docs []doc
	if !skipCRDs {
		for _, crd := range chrt.CRDObjects() {
			docs = append(docs, doc{name: filepath.ToSlash(crd.Filename), content: string(crd.File.Data)})
		}
	}
	for _, m := range manifests {
		docs = append(docs, doc{name: m.Name, content: m.Content})
	}
	for _, h := range hooks {
		docs = append(docs, doc{name: h.Path, content: h.Manifest})
	}
	return docs, nil
}

// decodeDocs parses the rendered manifests into objects, each named after
// its template or CRD file, refusing output over maxTotal bytes before
// any of it is parsed.
func decodeDocs(docs []doc, l object.Limits, maxTotal int64) ([]*object.Object, error) {
	var total int64
	for _, d := range docs {
		total += int64(len(d.content))
		if total > maxTotal {
			return nil, fmt.Errorf("rendered output exceeds the %d-byte limit at %s", maxTotal, d.name)
		}
	}
	var out []*object.Object
	for _, d := range docs {
		objs, err := object.Decode(d.name, []byte(d.content), l)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			// Decode adds the line within this one document, which is no
			// line of the template: the template's name is more useful.
			o.Source = d.name
			o.FromChart = true
		}
		out = append(out, objs...)
	}
	return out, nil
}
