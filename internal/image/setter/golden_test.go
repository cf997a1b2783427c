package setter

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/setters/expected and changes.txt")

const (
	digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	digestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// goldenRequest is what testdata/setters/original is set with.
func goldenRequest() Request {
	return Request{
		Policies: map[string]Image{
			"web":    {Repository: "registry.example.com/web", Tag: "1.1.0"},
			"api":    {Repository: "registry.example.com/team/api", Tag: "2.4.1"},
			"worker": {Repository: "ghcr.io/acme/worker", Tag: "stable", Digest: digestB},
			"cache":  {Repository: "docker.io/library/redis", Tag: "7.2.5"},
			"ui":     {Repository: "registry.example.com/ui", Tag: "1.10"},
		},
		Fields: []Field{
			{File: "helm/values.yaml", Path: "image.tag", Policy: "api", Part: PartTag},
			{File: "helm/values.yaml", Path: "image.repository", Policy: "api", Part: PartName},
			{File: "helm/values.yaml", Path: "sidecars[0].image", Policy: "cache"},
		},
	}
}

// TestGolden sets a copy of testdata/setters/original and compares it,
// file by file, with testdata/setters/expected, and the changes with
// changes.txt; a second pass must change nothing.
func TestGolden(t *testing.T) {
	root := t.TempDir()
	copyDir(t, "testdata/setters/original", root)
	changes, err := Apply(root, ".", goldenRequest())
	if err != nil {
		t.Fatal(err)
	}
	var report strings.Builder
	for _, c := range changes {
		fmt.Fprintf(&report, "%s:%d %s %s %q -> %q\n", c.File, c.Line, c.Policy, c.Repository, c.Old, c.New)
	}
	if *update {
		if err := os.RemoveAll("testdata/setters/expected"); err != nil {
			t.Fatal(err)
		}
		copyDir(t, root, "testdata/setters/expected")
		if err := os.WriteFile("testdata/setters/changes.txt", []byte(report.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	compareDirs(t, "testdata/setters/expected", root)
	want, err := os.ReadFile("testdata/setters/changes.txt")
	if err != nil {
		t.Fatal(err)
	}
	if report.String() != string(want) {
		t.Errorf("changes:\n%s\nwant:\n%s", report.String(), want)
	}

	again, err := Apply(root, ".", goldenRequest())
	if err != nil || len(again) != 0 {
		t.Errorf("second pass: %v, %v; want no change", again, err)
	}
	compareDirs(t, "testdata/setters/expected", root)
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// compareDirs checks that got holds exactly want's files, byte for byte.
func compareDirs(t *testing.T, want, got string) {
	t.Helper()
	files := func(dir string) map[string]string {
		m := map[string]string{}
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			m[filepath.ToSlash(rel)] = string(data)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	w, g := files(want), files(got)
	for name, data := range w {
		if g[name] != data {
			t.Errorf("%s:\n%s\nwant:\n%s", name, g[name], data)
		}
	}
	for name := range g {
		if _, ok := w[name]; !ok {
			t.Errorf("%s: not expected", name)
		}
	}
}
