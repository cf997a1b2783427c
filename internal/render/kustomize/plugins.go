package kustomize

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/confine"
)

// builtinAPIVersion is the apiVersion of kustomize's builtin plugins; any
// other is an exec, container (KRM function) or Go plugin.
const builtinAPIVersion = "builtin"

// plugin checks one entry of generators, transformers or validators: an
// inline config, or a reference to config files or to a kustomization
// whose resources are configs.
func (s *scan) plugin(dir, file, field, entry string, r reach) error {
	if isInline(entry) {
		return s.configs(file+": "+field, []byte(entry))
	}
	return s.ref(dir, file, field, entry, r)
}

// isInline tells an inline plugin config from a path, as kustomize does by
// trying to read the entry as YAML objects first.
func isInline(entry string) bool {
	if strings.Contains(entry, "\n") {
		return true
	}
	var m map[string]any
	return yaml.Unmarshal([]byte(entry), &m) == nil && len(m) > 0
}

// configFile checks the plugin configs in the file at path (inside root).
func (s *scan) configFile(path string) error {
	rel := s.rel(path)
	data, err := confine.ReadFile(s.root, rel, s.maxFileBytes)
	if err != nil {
		return err
	}
	return s.configs(filepath.ToSlash(rel), data)
}

// configs checks the plugin configs of a YAML stream: builtin plugins only,
// no chart inflation outside helmCharts, and no remote file unless allowed.
func (s *scan) configs(where string, data []byte) error {
	nodes, err := kio.FromBytes(data)
	if err != nil {
		return fmt.Errorf("%s: plugin config: %w", where, err)
	}
	for _, n := range nodes {
		if err := s.config(where, n); err != nil {
			return err
		}
	}
	return nil
}

func (s *scan) config(where string, n *kyaml.RNode) error {
	if items, err := n.Pipe(kyaml.Lookup("items")); err == nil && items != nil && strings.HasSuffix(n.GetKind(), "List") {
		elems, _ := items.Elements()
		for _, e := range elems {
			if err := s.config(where, e); err != nil {
				return err
			}
		}
		return nil
	}
	data, err := n.MarshalJSON()
	if err != nil {
		return fmt.Errorf("%s: plugin config: %w", where, err)
	}
	var c pluginConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return fmt.Errorf("%s: plugin config %s: %w", where, c.Kind, err)
	}
	if c.APIVersion != builtinAPIVersion {
		return fmt.Errorf("%s: plugin %s/%s refused: only kustomize's builtin generators and transformers run (apiVersion: builtin); exec, container (KRM function) and Go plugins never do",
			where, c.APIVersion, c.Kind)
	}
	if c.Kind == "HelmChartInflationGenerator" {
		return fmt.Errorf("%s: HelmChartInflationGenerator refused: declare charts under helmCharts: in a kustomization instead", where)
	}
	for _, f := range c.files() {
		if err := s.remoteFile(where, c.Kind+" "+f.field, f.path); err != nil {
			return err
		}
	}
	return nil
}
