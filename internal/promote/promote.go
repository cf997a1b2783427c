// Package promote says what promoting one environment to another
// changes: the images the source app's rendered objects run, which
// package setter then writes into the target app's files (markers,
// kustomization images, fields, matched by repository), and the chart
// version of its apps-file entry. Rendering the source, rather than
// reading its files, finds images wherever they come from: an overlay,
// a base, a chart's defaults.
package promote

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/image/setter"
	"github.com/tugboat-gitops/tugboat/internal/object"
)

// podSpecs are where workloads keep their pod spec: a Pod's own, a
// template's (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, and
// custom resources that follow them), a CronJob's job template's.
var podSpecs = [][]string{
	{"spec"},
	{"spec", "template", "spec"},
	{"spec", "jobTemplate", "spec", "template", "spec"},
}

// Images maps each image repository that the pod specs of objs run to
// its image. One repository at two tags or digests is an error naming
// both objects: which of them to promote is not for Tugboat to guess.
func Images(objs []*object.Object) (map[string]setter.Image, error) {
	images := map[string]setter.Image{}
	where := map[string]string{}
	var errs []error
	for _, o := range objs {
		for _, p := range podSpecs {
			spec, ok, _ := unstructured.NestedMap(o.Object, p...)
			if !ok || (len(p) == 1 && o.GetKind() != "Pod") {
				continue
			}
			for _, key := range []string{"initContainers", "containers"} {
				containers, _, _ := unstructured.NestedSlice(spec, key)
				for _, c := range containers {
					ref, _ := c.(map[string]any)["image"].(string)
					if ref == "" {
						continue
					}
					img := Parse(ref)
					if prev, seen := images[img.Repository]; seen && prev != img {
						errs = append(errs, fmt.Errorf("image %s runs as %s in %s and as %s in %s", img.Repository, prev, where[img.Repository], img, o))
						continue
					}
					images[img.Repository], where[img.Repository] = img, o.String()
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return images, nil
}

// Parse splits an image reference as written: "reg:5000/team/web:1.2@sha256:..."
// is repository reg:5000/team/web, tag 1.2 and the digest. A reference
// with neither tag nor digest has neither: "latest" is the registry's
// default, not something to promote.
func Parse(ref string) setter.Image {
	var img setter.Image
	ref, img.Digest, _ = strings.Cut(ref, "@")
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref, img.Tag = ref[:i], ref[i+1:]
	}
	img.Repository = ref
	return img
}

// Chart is the edit of the apps file that gives the target app the
// source app's chart version.
type Chart struct {
	// Path is the field's path in the apps file: "apps[2].chart.version".
	Path     string
	Old, New string
}

// ChartVersion is the chart edit of promoting app from to app to in f,
// nil when either deploys no chart or the versions already agree. Two
// different charts are an error: a version of one says nothing of the
// other.
func ChartVersion(f *v1alpha1.RepositoryFile, from, to string) (*Chart, error) {
	src, _ := find(f, from)
	dst, i := find(f, to)
	if src == nil {
		return nil, fmt.Errorf("no app %q in the apps file", from)
	}
	if dst == nil {
		return nil, fmt.Errorf("no app %q in the apps file", to)
	}
	if src.Chart == nil || dst.Chart == nil {
		return nil, nil
	}
	if src.Chart.Repo != dst.Chart.Repo || src.Chart.Name != dst.Chart.Name {
		return nil, fmt.Errorf("app %s deploys chart %s from %s and app %s chart %s from %s: not one chart, so no version to promote (use --images-only)",
			from, src.Chart.Name, src.Chart.Repo, to, dst.Chart.Name, dst.Chart.Repo)
	}
	if src.Chart.Version == dst.Chart.Version {
		return nil, nil
	}
	if dst.Chart.Version == "" {
		return nil, fmt.Errorf("app %s: chart.version: not set (the newest), so there is no field to promote into: add one", to)
	}
	return &Chart{Path: fmt.Sprintf("apps[%d].chart.version", i), Old: dst.Chart.Version, New: src.Chart.Version}, nil
}

func find(f *v1alpha1.RepositoryFile, name string) (*v1alpha1.AppSpec, int) {
	i := slices.IndexFunc(f.Apps, func(a v1alpha1.AppSpec) bool { return a.Name == name })
	if i < 0 {
		return nil, -1
	}
	return &f.Apps[i], i
}
