package helm

import (
	"bytes"
	"encoding/json"
	"fmt"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/strvals"

	"github.com/tugboat-gitops/tugboat/internal/confine"
	"github.com/tugboat-gitops/tugboat/internal/render"
)

// mergeValues builds the user-supplied values the way `helm template -f
// ... --set ...` does: the values files in order, each merged over the
// previous, then the inline values as if they were one more file, then the
// --set expressions. Values files are read from the repository and may not
// leave it, by path or by symlink.
func mergeValues(root string, opts render.HelmOptions, maxFileBytes int64) (map[string]any, error) {
	base := map[string]any{}
	for _, file := range opts.ValuesFiles {
		data, err := confine.ReadFile(root, file, maxFileBytes)
		if err != nil {
			return nil, fmt.Errorf("values file %s: %w", file, err)
		}
		vals, err := loader.LoadValues(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("values file %s: %w", file, err)
		}
		base = loader.MergeMaps(base, vals)
	}
	if len(opts.Values) > 0 {
		inline, err := normalizeValues(opts.Values)
		if err != nil {
			return nil, err
		}
		base = loader.MergeMaps(base, inline)
	}
	for _, expr := range opts.Set {
		if err := strvals.ParseInto(expr, base); err != nil {
			return nil, fmt.Errorf("--set %q: %w", expr, err)
		}
	}
	return base, nil
}

// normalizeValues copies inline values through JSON, so they reach the
// templates exactly as the same values in a file would (numbers as
// float64, maps as map[string]any), and so nothing downstream (--set, the
// coalescing, the templates) can change the caller's map.
func normalizeValues(v map[string]any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("inline values: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("inline values: %w", err)
	}
	return out, nil
}
