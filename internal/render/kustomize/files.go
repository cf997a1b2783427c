package kustomize

import (
	"fmt"
	"net/url"
	"strings"

	"sigs.k8s.io/kustomize/api/types"
)

// fileRef is a path kustomize reads with its file loader, named by the
// field it comes from (as "patches[0].path").
type fileRef struct {
	field, path string
}

// kustomizationFiles lists the paths of a kustomization that kustomize
// reads with its file loader, which downloads any http(s) URL on its own:
// every field but resources, bases, components and the plugin lists,
// which scan follows as references.
func kustomizationFiles(k *types.Kustomization) []fileRef {
	var out []fileRef
	add := func(field, path string) {
		if path != "" {
			out = append(out, fileRef{field, path})
		}
	}
	for i, p := range k.Patches {
		add(fmt.Sprintf("patches[%d].path", i), p.Path)
	}
	for i, p := range k.PatchesStrategicMerge { //nolint:staticcheck // deprecated but still honored
		add(fmt.Sprintf("patchesStrategicMerge[%d]", i), string(p))
	}
	for i, p := range k.PatchesJson6902 { //nolint:staticcheck // deprecated but still honored
		add(fmt.Sprintf("patchesJson6902[%d].path", i), p.Path)
	}
	add("openapi.path", k.OpenAPI["path"])
	for i, p := range k.Configurations {
		add(fmt.Sprintf("configurations[%d]", i), p)
	}
	for i, p := range k.Crds {
		add(fmt.Sprintf("crds[%d]", i), p)
	}
	for i, r := range k.Replacements {
		add(fmt.Sprintf("replacements[%d].path", i), r.Path)
	}
	for i, g := range k.ConfigMapGenerator {
		out = append(out, kvFiles(fmt.Sprintf("configMapGenerator[%d]", i), g.KvPairSources)...)
	}
	for i, g := range k.SecretGenerator {
		out = append(out, kvFiles(fmt.Sprintf("secretGenerator[%d]", i), g.KvPairSources)...)
	}
	return out
}

// kvFiles lists the files of a ConfigMap or Secret generator. A files
// entry may be key=path; the whole entry is listed too, to err toward
// refusing.
func kvFiles(prefix string, s types.KvPairSources) []fileRef {
	if prefix != "" {
		prefix += "."
	}
	var out []fileRef
	for i, f := range s.FileSources {
		field := fmt.Sprintf("%sfiles[%d]", prefix, i)
		out = append(out, fileRef{field, f})
		if _, path, ok := strings.Cut(f, "="); ok {
			out = append(out, fileRef{field, path})
		}
	}
	for i, e := range s.EnvSources {
		out = append(out, fileRef{fmt.Sprintf("%senvs[%d]", prefix, i), e})
	}
	if s.EnvSource != "" { //nolint:staticcheck // deprecated but still honored
		out = append(out, fileRef{prefix + "env", s.EnvSource}) //nolint:staticcheck // as above
	}
	return out
}

// pluginConfig holds the path-bearing fields of kustomize's builtin
// generators and transformers, all kinds together: a field a kind does not
// have is ignored by kustomize, and checking it anyway only errs toward
// refusing.
type pluginConfig struct {
	APIVersion     string   `json:"apiVersion"`
	Kind           string   `json:"kind"`
	Path           string   `json:"path"`           // PatchTransformer, PatchJson6902Transformer
	Paths          []string `json:"paths"`          // PatchStrategicMergeTransformer
	TargetFilePath string   `json:"targetFilePath"` // ValueAddTransformer
	Replacements   []struct {
		Path string `json:"path"`
	} `json:"replacements"` // ReplacementTransformer
	types.KvPairSources // ConfigMapGenerator, SecretGenerator
}

func (c *pluginConfig) files() []fileRef {
	out := []fileRef{{"path", c.Path}, {"targetFilePath", c.TargetFilePath}}
	for i, p := range c.Paths {
		out = append(out, fileRef{fmt.Sprintf("paths[%d]", i), p})
	}
	for i, r := range c.Replacements {
		out = append(out, fileRef{fmt.Sprintf("replacements[%d].path", i), r.Path})
	}
	return append(out, kvFiles("", c.KvPairSources)...)
}

// isRemoteFile reports whether kustomize's file loader would download path
// rather than read it: any http or https URL, as its IsRemoteFile decides,
// and, to err toward refusing, anything that starts like one.
func isRemoteFile(path string) bool {
	if u, err := url.Parse(path); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return true
	}
	lower := strings.ToLower(strings.TrimSpace(path))
	return strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://")
}
