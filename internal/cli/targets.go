package cli

import (
	"errors"

	"github.com/tugboat-gitops/tugboat/internal/pipeline"
)

// runEach runs fn for every target, keeping on after a failure so that
// one broken app does not hide the others, and returns the results and
// every error.
func runEach(g *GlobalOptions, targets []target, fn func(p *pipeline.Pipeline, t target) (*pipeline.Result, error)) ([]*pipeline.Result, error) {
	p := g.pipeline()
	var results []*pipeline.Result
	var errs []error
	for _, t := range targets {
		res, err := fn(p, t)
		if res != nil {
			results = append(results, res)
		}
		errs = append(errs, err)
	}
	return results, errors.Join(errs...)
}
