package kustomize

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"sigs.k8s.io/kustomize/api/types"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/kustomize/kyaml/yaml/merge2"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/confine"
)

// chartValues builds the values kustomize hands helm: valuesFile (default
// the chart's values.yaml) combined with valuesInline as valuesMerge says,
// then each of additionalValuesFiles merged over them. Files are read from
// the repository only, relative to the kustomization.
func (s *scan) chartValues(site *chartSite, c types.HelmChart, chartRel string) (map[string]any, error) {
	file := filepath.Join(chartRel, "values.yaml")
	if c.ValuesFile != "" {
		var err error
		if file, err = s.valuesPath(site, "valuesFile", c.ValuesFile); err != nil {
			return nil, err
		}
	}
	data, err := confine.ReadFile(s.root, file, s.maxFileBytes)
	if c.ValuesFile == "" && errors.Is(err, fs.ErrNotExist) {
		data, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("valuesFile: %w", err)
	}
	vals, err := mergeInline(data, c.ValuesInline, c.ValuesMerge)
	if err != nil {
		return nil, err
	}
	for _, extra := range c.AdditionalValuesFiles {
		more, err := s.valuesFile(site, extra)
		if err != nil {
			return nil, err
		}
		vals = loader.MergeMaps(vals, more)
	}
	return vals, nil
}

// valuesPath resolves a values file named in a kustomization to a path
// relative to the repository root.
func (s *scan) valuesPath(site *chartSite, field, path string) (string, error) {
	if isRemoteFile(path) {
		return "", fmt.Errorf("%s %q: remote values files are not supported", field, path)
	}
	if filepath.IsAbs(path) {
		return "", fmt.Errorf("%s %q: %w: absolute paths are not allowed", field, path, confine.ErrEscape)
	}
	return filepath.Join(s.rel(site.dir), path), nil
}

func (s *scan) valuesFile(site *chartSite, path string) (map[string]any, error) {
	rel, err := s.valuesPath(site, "additionalValuesFiles", path)
	if err != nil {
		return nil, err
	}
	data, err := confine.ReadFile(s.root, rel, s.maxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("additionalValuesFiles: %w", err)
	}
	var vals map[string]any
	if err := yaml.Unmarshal(data, &vals); err != nil {
		return nil, fmt.Errorf("additionalValuesFiles %s: %w", rel, err)
	}
	return vals, nil
}

// mergeInline combines a values file with inline values as kustomize does:
// "override" (the default) lays the inline values over the file's, "merge"
// the file's over the inline ones, "replace" drops the file.
func mergeInline(file []byte, inline map[string]any, mode string) (map[string]any, error) {
	switch mode {
	case "", "override", "merge", "replace":
	default:
		return nil, fmt.Errorf("valuesMerge %q: want merge, override or replace", mode)
	}
	if len(inline) > 0 && mode == "replace" {
		return inline, nil
	}
	if len(inline) == 0 {
		var vals map[string]any
		if err := yaml.Unmarshal(file, &vals); err != nil {
			return nil, fmt.Errorf("valuesFile: %w", err)
		}
		return vals, nil
	}
	fileNode := kyaml.NewMapRNode(nil)
	if strings.TrimSpace(string(file)) != "" {
		var err error
		if fileNode, err = kyaml.Parse(string(file)); err != nil {
			return nil, fmt.Errorf("valuesFile: %w", err)
		}
	}
	inlineNode, err := kyaml.FromMap(inline)
	if err != nil {
		return nil, fmt.Errorf("valuesInline: %w", err)
	}
	src, dest := inlineNode, fileNode.Copy()
	if mode == "merge" {
		src, dest = fileNode, inlineNode.Copy()
	}
	out, err := merge2.Merge(src, dest, kyaml.MergeOptions{})
	if err != nil {
		return nil, fmt.Errorf("merge valuesInline: %w", err)
	}
	return out.Map()
}

// withChartOutput is a kustomization without its charts and with their
// inflated output as its last resource.
func withChartOutput(data []byte, output string) ([]byte, error) {
	rn, err := kyaml.Parse(string(data))
	if err != nil {
		return nil, err
	}
	for _, field := range []string{"helmCharts", "helmGlobals", "helmChartInflationGenerator"} {
		if _, err := rn.Pipe(kyaml.Clear(field)); err != nil {
			return nil, err
		}
	}
	res, err := rn.Pipe(kyaml.LookupCreate(kyaml.SequenceNode, "resources"))
	if err != nil {
		return nil, err
	}
	res.YNode().Content = append(res.YNode().Content, kyaml.NewStringRNode(output).YNode())
	s, err := rn.String()
	return []byte(s), err
}
