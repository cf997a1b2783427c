package render

import (
	"fmt"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// varRef matches $${NAME} (an escape), ${NAME} and ${NAME:=default}.
var varRef = regexp.MustCompile(`\$?\$\{([A-Za-z_][A-Za-z0-9_]*)(?::=([^}]*))?\}`)

// substitute replaces variables in the object's YAML text and parses it
// again, as Flux's post-build substitution does, so `replicas: ${N}` becomes
// a number. Only objects that mention "${" pay for the round trip.
func substitute(o *object.Object, vars map[string]string, allowUndefined bool) (*object.Object, error) {
	text, err := yaml.Marshal(o.Object)
	if err != nil {
		return nil, objectError(o, "serialize for variable substitution: %w", err)
	}
	var missing []string
	out := varRef.ReplaceAllStringFunc(string(text), func(m string) string {
		if strings.HasPrefix(m, "$$") {
			return m[1:]
		}
		sub := varRef.FindStringSubmatch(m)
		if v, ok := vars[sub[1]]; ok {
			return v
		}
		if strings.Contains(m, ":=") {
			return sub[2]
		}
		if !allowUndefined {
			missing = append(missing, sub[1])
		}
		return m
	})
	if len(missing) > 0 {
		return nil, objectError(o, "undefined variable %s (define it with --var %s=VALUE, or allow undefined variables)", strings.Join(missing, ", "), missing[0])
	}
	objs, err := object.Decode(o.Source, []byte(out), object.Limits{})
	if err != nil {
		return nil, objectError(o, "after variable substitution: %w", err)
	}
	if len(objs) != 1 {
		return nil, objectError(o, "variable substitution produced %d objects, want 1", len(objs))
	}
	objs[0].Source, objs[0].FromChart = o.Source, o.FromChart
	return objs[0], nil
}

// ParseVars reads K=V pairs, as given to --var.
func ParseVars(pairs []string) (map[string]string, error) {
	vars := make(map[string]string, len(pairs))
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || !regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`).MatchString(k) {
			return nil, fmt.Errorf("variable %q: want NAME=VALUE", p)
		}
		vars[k] = v
	}
	return vars, nil
}
