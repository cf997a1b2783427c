package helmrepo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// pushChart pushes archive to the registry as `helm push` does: an OCI
// manifest with the Helm config media type and one chart layer. Tags cannot
// hold "+", so version's "+" becomes "_". It returns the layer digest.
func pushChart(t *testing.T, reg *testenv.Registry, repo, version string, archive []byte) string {
	t.Helper()
	d, err := reg.PushChartArchive(context.Background(), repo, version, archive)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestFetchFromRegistry(t *testing.T) {
	testenv.SkipIfShort(t)
	reg := testenv.NewRegistry(t)
	digests := map[string]string{}
	for _, v := range []string{"1.0.0", "1.5.0", "1.6.0+build.1", "2.0.0"} {
		digests[v] = pushChart(t, reg, "charts/mychart", v, packageChart(t, v))
	}
	good := &Auth{Username: reg.Username, Password: reg.Password}
	url := "oci://" + reg.Host + "/charts/mychart"
	tests := []struct {
		name, url, chart, version string
		auth                      *Auth
		wantVersion               string
		wantErr                   error
		wantMsg                   string
	}{
		{name: "range", version: ">=1.0 <2", auth: good, wantVersion: "1.6.0+build.1"},
		{name: "exact", version: "1.5.0", auth: good, wantVersion: "1.5.0"},
		{name: "chart appended", url: "oci://" + reg.Host + "/charts", chart: "mychart", auth: good, wantVersion: "2.0.0"},
		{name: "no match", version: "~3", auth: good, wantErr: ErrNoMatchingVersion, wantMsg: "available: 2.0.0, 1.6.0+build.1"},
		{name: "no credentials", version: "1.5.0", wantErr: source.ErrAuthFailed, wantMsg: url},
		{name: "wrong password", version: "1.5.0", auth: &Auth{Username: reg.Username, Password: "wrong-pw"}, wantErr: source.ErrAuthFailed, wantMsg: url},
		{name: "unknown chart", url: "oci://" + reg.Host + "/charts/nochart", auth: good, wantErr: ErrChartNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Source{URL: tt.url, Chart: tt.chart, Version: tt.version, Auth: tt.auth, CacheDir: t.TempDir()}
			if s.URL == "" {
				s.URL = url
			}
			ch, err := s.Fetch(context.Background())
			if tt.wantErr != nil {
				checkErr(t, err, tt.wantErr, tt.wantMsg)
				if strings.Contains(err.Error(), reg.Password) {
					t.Fatalf("error leaks the registry password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("fetch: %v", err)
			}
			checkChart(t, ch, s.CacheDir, tt.wantVersion)
			if ch.Digest != digests[tt.wantVersion] {
				t.Fatalf("digest %s, want the layer's %s", ch.Digest, digests[tt.wantVersion])
			}
			checkCacheHit(t, s, ch)
		})
	}
}

// checkCacheHit fetches s again and checks that the archive was not
// downloaded again: a download renames a new file over it.
func checkCacheHit(t *testing.T, s *Source, first Chart) {
	t.Helper()
	archive := filepath.Join(s.CacheDir, "charts", strings.TrimPrefix(first.Digest, "sha256:")+".tgz")
	before, err := os.Stat(archive)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(archive)
	if err != nil {
		t.Fatal(err)
	}
	if second != first || !os.SameFile(before, after) {
		t.Fatalf("second fetch downloaded again or differs: %+v, first %+v", second, first)
	}
}
