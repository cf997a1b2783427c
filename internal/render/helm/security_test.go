package helm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"helm.sh/helm/v4/pkg/chart/v2/loader"

	"github.com/tugboat-gitops/tugboat/internal/chartarchive"
	"github.com/tugboat-gitops/tugboat/internal/confine"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/render"
)

// repoWithApp returns a temporary repository holding the app chart at
// "chart", for tests that plant symlinks.
func repoWithApp(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	copyTree(t, filepath.Join(testdataRoot(t), "charts", "app"), filepath.Join(root, "chart"))
	return root
}

func TestValuesFilesStayInRepository(t *testing.T) {
	root := repoWithApp(t)
	outside := filepath.Join(t.TempDir(), "secret.yaml")
	writeTree(t, filepath.Dir(outside), map[string]string{"secret.yaml": "replicaCount: 9\n"})
	symlink(t, outside, filepath.Join(root, "values", "evil.yaml"))
	for _, file := range []string{"../outside.yaml", "/etc/passwd", "values/../../outside.yaml", "values/evil.yaml"} {
		t.Run(file, func(t *testing.T) {
			req := render.Request{Root: root, Path: "chart", Helm: render.HelmOptions{ValuesFiles: []string{file}}}
			_, err := Renderer{}.Render(context.Background(), req)
			errContains(t, err, "values file "+file)
			if !errors.Is(err, confine.ErrEscape) {
				t.Errorf("error %v does not wrap confine.ErrEscape", err)
			}
		})
	}
}

// TestSymlinksInsideRepositoryWork follows symlinks that stay inside the
// repository, as Helm does.
func TestSymlinksInsideRepositoryWork(t *testing.T) {
	root := repoWithApp(t)
	writeTree(t, filepath.Join(root, "shared"), map[string]string{
		"cm.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n",
		"values.yaml": "replicaCount: 4\n",
	})
	symlink(t, "../../shared/cm.yaml", filepath.Join(root, "chart", "templates", "shared.yaml"))
	symlink(t, "shared/values.yaml", filepath.Join(root, "linked-values.yaml"))
	req := render.Request{Root: root, Path: "chart", Helm: render.HelmOptions{ValuesFiles: []string{"linked-values.yaml"}}}
	got, err := Renderer{}.Render(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	sameObjects(t, got, helmObjects(t, req))
	checkField(t, got, field{"ConfigMap/shared", []string{"metadata", "name"}, "shared"})
	checkField(t, got, field{"Deployment.apps/default/chart-app", []string{"spec", "replicas"}, int64(4)})
}

func TestChartSymlinksStayInRepository(t *testing.T) {
	tests := []struct {
		name, target, link string
		want               error
	}{
		{"file to /etc/passwd", "/etc/passwd", "chart/templates/passwd.yaml", confine.ErrEscape},
		{"directory out of the repository", "/etc", "chart/files/etc", confine.ErrEscape},
		{"relative, climbing out", "../../..", "chart/templates/up", confine.ErrEscape},
		{"loop back to the chart", "..", "chart/templates/loop", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := repoWithApp(t)
			symlink(t, tc.target, filepath.Join(root, filepath.FromSlash(tc.link)))
			_, err := Renderer{}.Render(context.Background(), render.Request{Root: root, Path: "chart"})
			errContains(t, err, filepath.Base(tc.link))
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v does not wrap %v", err, tc.want)
			}
		})
	}
	t.Run("fetched chart directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "app")
		copyTree(t, filepath.Join(testdataRoot(t), "charts", "app"), dir)
		symlink(t, "/etc/passwd", filepath.Join(dir, "templates", "passwd.yaml"))
		_, err := Renderer{}.Render(context.Background(), render.Request{Helm: render.HelmOptions{ChartDir: dir}})
		if !errors.Is(err, confine.ErrEscape) {
			t.Fatalf("got %v, want confine.ErrEscape", err)
		}
	})
}

// chartEntries are the entries of a minimal valid chart archive.
func chartEntries(top string) []entry {
	return []entry{
		{name: top + "/Chart.yaml", data: "apiVersion: v2\nname: " + top + "\nversion: 0.1.0\n"},
		{name: top + "/templates/cm.yaml", data: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"},
	}
}

// TestHelmLoaderRefusesParentEntries documents what Helm's archive loader
// does on its own: it refuses entries climbing out below the chart's top
// directory, but reads "../evil" as "evil" (it drops the first path
// element unseen), which is why Tugboat checks every name as well.
func TestHelmLoaderRefusesParentEntries(t *testing.T) {
	for name, refused := range map[string]bool{"app/../evil": true, "app/templates/../../evil": true, "../evil": false} {
		file := filepath.Join(t.TempDir(), "app.tgz")
		writeTgz(t, file, append(chartEntries("app"), entry{name: name, data: "x: 1\n"})...)
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		_, err = loader.LoadArchive(bytes.NewReader(data))
		if refused {
			errContains(t, err, "chart illegally references parent directory")
		} else if err != nil {
			t.Errorf("%s: helm refuses it after all: %v", name, err)
		}
	}
}

func TestArchivePathsStayInChart(t *testing.T) {
	for _, name := range []string{"app/../evil", "app/templates/../../evil", "../evil", "/etc/evil", `app\..\..\evil`} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "app.tgz")
			writeTgz(t, file, append(chartEntries("app"), entry{name: name, data: "x: 1\n"})...)
			_, err := Renderer{}.Render(context.Background(), render.Request{Helm: render.HelmOptions{ChartDir: file}})
			errContains(t, err, "app.tgz", "not allowed in a chart")

			// The same archive vendored as a dependency of a chart in the
			// repository.
			root := t.TempDir()
			writeTree(t, filepath.Join(root, "chart"), map[string]string{"Chart.yaml": chartYAML})
			writeTgz(t, filepath.Join(root, "chart", "charts", "app-0.1.0.tgz"), append(chartEntries("app"), entry{name: name, data: "x: 1\n"})...)
			_, err = Renderer{}.Render(context.Background(), render.Request{Root: root, Path: "chart"})
			errContains(t, err, "charts/app-0.1.0.tgz", "not allowed in a chart")
		})
	}
}

// TestDecompressionBomb renders archives holding a 50 MB file of zeros
// (about 50 KB packed), as the chart, as a vendored dependency and nested
// inside an archive: each is refused while unpacking, within a few MiB of
// memory.
func TestDecompressionBomb(t *testing.T) {
	bomb := append(chartEntries("bomb"), entry{name: "bomb/templates/zeros.yaml", zeros: 50 << 20})
	dir := t.TempDir()
	writeTgz(t, filepath.Join(dir, "bomb.tgz"), bomb...)
	packed, err := os.ReadFile(filepath.Join(dir, "bomb.tgz"))
	if err != nil {
		t.Fatal(err)
	}
	writeTgz(t, filepath.Join(dir, "nested.tgz"), append(chartEntries("outer"), entry{name: "outer/charts/bomb-0.1.0.tgz", data: string(packed)})...)
	root := t.TempDir()
	writeTree(t, filepath.Join(root, "chart"), map[string]string{
		"Chart.yaml": chartYAML, "charts/bomb-0.1.0.tgz": string(packed),
	})
	tests := []struct {
		name string
		r    Renderer
		req  render.Request
	}{
		{"chart archive", Renderer{}, render.Request{Helm: render.HelmOptions{ChartDir: filepath.Join(dir, "bomb.tgz")}}},
		{"vendored dependency", Renderer{}, render.Request{Root: root, Path: "chart"}},
		{"archive in an archive", Renderer{}, render.Request{Helm: render.HelmOptions{ChartDir: filepath.Join(dir, "nested.tgz")}}},
		{"file cap raised, chart cap lowered", Renderer{MaxChartBytes: 20 << 20},
			render.Request{Helm: render.HelmOptions{ChartDir: filepath.Join(dir, "bomb.tgz")}, Limits: render.Limits{Limits: object.Limits{MaxFileBytes: 100 << 20}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := tc.r.Render(context.Background(), tc.req)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, chartarchive.ErrTooLarge) {
				t.Fatalf("got %v, want a chart too large error", err)
			}
			errContains(t, err, "zeros.yaml")
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("allocated %d KiB refusing: %v", alloc>>10, err)
			if alloc > 8<<20 {
				t.Errorf("allocated %d bytes refusing the bomb", alloc)
			}
		})
	}
}

func TestArchiveLimits(t *testing.T) {
	t.Run("total size", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "big.tgz")
		entries := chartEntries("big")
		for _, n := range []string{"a", "b", "c"} {
			entries = append(entries, entry{name: "big/files/" + n, zeros: 400 << 10})
		}
		writeTgz(t, file, entries...)
		req := render.Request{Helm: render.HelmOptions{ChartDir: file}}
		_, err := Renderer{MaxChartBytes: 1 << 20}.Render(context.Background(), req)
		errContains(t, err, "big/files/c", "more than 1048576 bytes in all")
	})
	t.Run("tar headers", func(t *testing.T) {
		// Every entry is empty; the bulk is in PAX header records, which
		// count against the chart's size all the same.
		file := filepath.Join(t.TempDir(), "headers.tgz")
		entries := chartEntries("headers")
		for i := range 30 {
			record := map[string]string{"SCHILY.xattr.user.pad": strings.Repeat("x", 512<<10)}
			entries = append(entries, entry{name: fmt.Sprintf("headers/files/%d", i), pax: record})
		}
		writeTgz(t, file, entries...)
		_, err := Renderer{MaxChartBytes: 4 << 20}.Render(context.Background(), render.Request{Helm: render.HelmOptions{ChartDir: file}})
		if !errors.Is(err, chartarchive.ErrTooLarge) {
			t.Fatalf("got %v, want a chart too large error", err)
		}
		errContains(t, err, "headers.tgz", "more than 4194304 bytes in all")
	})
	t.Run("file count", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "many.tgz")
		entries := chartEntries("many")
		for i := range chartarchive.DefaultMaxEntries {
			entries = append(entries, entry{name: fmt.Sprintf("many/files/%d", i)})
		}
		writeTgz(t, file, entries...)
		_, err := Renderer{}.Render(context.Background(), render.Request{Helm: render.HelmOptions{ChartDir: file}})
		errContains(t, err, "more than 10000 entries")
	})
}

// TestSchemaReferencesStayInChart refuses values schemas that refer to a
// local file or a URL, without reading or fetching it; URNs pass as they
// do in Helm.
func TestSchemaReferencesStayInChart(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"type": "object"}`))
	}))
	defer srv.Close()
	for ref, refused := range map[string]bool{
		"file:///etc/passwd": true, "/etc/passwd": true, "other.json": true,
		srv.URL + "/schema.json": true, "urn:example:anything": false,
	} {
		t.Run(ref, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, filepath.Join(root, "bad"), withChartYAML(map[string]string{
				"values.schema.json": `{"properties": {"a": {"$ref": "` + ref + `"}}}`,
				"templates/cm.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
			}))
			_, err := Renderer{}.Render(context.Background(), render.Request{Root: root, Path: "bad"})
			if refused {
				errContains(t, err, "values schema refers outside the chart", "is not loaded")
			}
			if !refused && err != nil {
				t.Error(err)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the schema server was asked %d times", n)
	}
}
