package helm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/provenance"
)

// checkLock refuses to vendor anything for c unless its lock file exists
// and was written for the dependencies its Chart.yaml declares now: the
// check `helm dependency build` makes before it downloads.
func checkLock(c *chart.Chart) error {
	lockFile, depsFile := "Chart.lock", "Chart.yaml"
	if c.Metadata.APIVersion == chart.APIVersionV1 {
		lockFile, depsFile = "requirements.lock", "requirements.yaml"
	}
	if c.Lock == nil {
		return fmt.Errorf("chart %s: dependencies missing from charts/ and no %s pins their versions (run `helm dependency update` and commit %s)",
			c.Name(), lockFile, lockFile)
	}
	for _, d := range c.Metadata.Dependencies {
		// Helm hashes these after replacing the alias by the URL from the
		// user's repositories.yaml, which Tugboat does not have.
		if strings.HasPrefix(d.Repository, "@") || strings.HasPrefix(d.Repository, "alias:") {
			return fmt.Errorf("chart %s: dependency %s names its repository by the alias %q: give the repository's URL", c.Name(), d.Name, d.Repository)
		}
	}
	if lockInSync(c) {
		return nil
	}
	return fmt.Errorf("chart %s: %s is out of date with the dependencies in %s (run `helm dependency update` and commit %s)",
		c.Name(), lockFile, depsFile, lockFile)
}

// lockInSync compares the lock's digest with Helm's digest of the
// dependencies and their lock. A v1 chart's lock may also carry the
// digest Helm 2 wrote, as `helm dependency build` accepts.
func lockInSync(c *chart.Chart) bool {
	req, lock := c.Metadata.Dependencies, c.Lock.Dependencies
	if sum, err := digestJSON([2][]*chart.Dependency{req, lock}); err == nil && sum == c.Lock.Digest {
		return true
	}
	if c.Metadata.APIVersion != chart.APIVersionV1 {
		return false
	}
	sum, err := digestJSON(map[string][]*chart.Dependency{"dependencies": req})
	return err == nil && sum == c.Lock.Digest
}

// digestJSON is how Helm digests dependencies (internal/resolver's HashReq
// and HashV2Req, which Helm does not export): the SDK's provenance.Digest
// of their JSON. TestLockDigestMatchesHelm holds it to Helm's own locks.
func digestJSON(v any) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	sum, err := provenance.Digest(bytes.NewReader(data))
	return "sha256:" + sum, err
}
