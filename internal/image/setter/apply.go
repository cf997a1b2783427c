package setter

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tugboat-gitops/tugboat/internal/confine"
)

// maxFileBytes caps one file read from a repository.
const maxFileBytes = 16 << 20

// file is one file to set: where it really is, and its name in changes.
type file struct {
	abs  string
	name string // slash-separated, relative to the repository root
}

// Apply sets the targets of r in the *.yaml, *.yml and Kustomization files
// below appPath (relative to root) and in the files r.Fields name
// (relative to appPath). Every path stays inside root: a symlink that
// leaves it is an error; symlinked directories are not followed. It is all
// or nothing: if any file fails, nothing is written and the error lists
// every failure. Only changed files are written, keeping their mode; the
// changes come back sorted by file and line.
func Apply(root, appPath string, r Request) ([]Change, error) {
	files, fields, errs := collect(root, appPath, r.Fields)
	r.Fields = fields
	edited, changes, setErrs := setAll(files, r)
	if errs = append(errs, setErrs...); len(errs) > 0 {
		return nil, fmt.Errorf("set images in %s: nothing written: %w", appPath, errors.Join(errs...))
	}
	for i, e := range edited {
		if err := writeFile(e.abs, e.out, e.mode); err != nil {
			return nil, fmt.Errorf("%s (%d of %d changed files written before): %w", e.name, i, len(edited), err)
		}
	}
	sort.SliceStable(changes, func(i, j int) bool {
		if changes[i].File != changes[j].File {
			return changes[i].File < changes[j].File
		}
		return changes[i].Line < changes[j].Line
	})
	return changes, nil
}

// edited is a file's new content.
type edited struct {
	file
	out  []byte
	mode fs.FileMode
}

// setAll sets every file in memory, so that a failure writes nothing.
func setAll(files []file, r Request) ([]edited, []Change, []error) {
	var out []edited
	var changes []Change
	var errs []error
	for _, f := range files {
		data, mode, err := readFile(f.abs)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.name, err))
			continue
		}
		data, ch, err := SetFile(f.name, data, r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(ch) > 0 {
			out = append(out, edited{file: f, out: data, mode: mode})
			changes = append(changes, ch...)
		}
	}
	return out, changes, errs
}

// collect lists the files to read, once each by their real path, and
// rewrites the fields' file names to match.
func collect(root, appPath string, fields []Field) ([]file, []Field, []error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, nil, []error{fmt.Errorf("resolve repository root %s: %w", root, err)}
	}
	c := collector{root: realRoot, seen: map[string]bool{}}
	dir, err := confine.Join(realRoot, appPath)
	if err != nil {
		return nil, nil, []error{fmt.Errorf("app path %s: %w", appPath, err)}
	}
	if err := filepath.WalkDir(dir, c.visit); err != nil {
		c.errs = append(c.errs, err)
	}
	var out []Field
	for _, f := range fields {
		rel := path.Join(filepath.ToSlash(appPath), f.File)
		name, ok := c.add(rel, true)
		if ok {
			f.File = name
			out = append(out, f)
		}
	}
	return c.files, out, c.errs
}

type collector struct {
	root  string
	seen  map[string]bool
	files []file
	errs  []error
}

func (c *collector) visit(p string, d fs.DirEntry, err error) error {
	if err != nil {
		return err
	}
	if d.IsDir() {
		if d.Name() == ".git" {
			return filepath.SkipDir
		}
		return nil
	}
	rel, err := filepath.Rel(c.root, p)
	if err != nil {
		return err
	}
	if d.Type()&fs.ModeSymlink != 0 || wanted(d.Name()) {
		c.add(filepath.ToSlash(rel), false)
	}
	return nil
}

func wanted(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml" || name == "Kustomization"
}

// add resolves rel inside the root. A symlink is judged by where it
// points, even one whose name is not wanted; named says a field names it.
func (c *collector) add(rel string, named bool) (string, bool) {
	abs, err := confine.Join(c.root, rel)
	if err != nil {
		c.errs = append(c.errs, fmt.Errorf("%s: %w", rel, err))
		return "", false
	}
	info, err := os.Stat(abs)
	if err != nil {
		c.errs = append(c.errs, fmt.Errorf("%s: %w", rel, err))
		return "", false
	}
	if info.IsDir() || (!named && !wanted(filepath.Base(abs)) && !wanted(path.Base(rel))) {
		return "", false
	}
	name, _ := filepath.Rel(c.root, abs)
	name = filepath.ToSlash(name)
	if !c.seen[abs] {
		c.seen[abs] = true
		c.files = append(c.files, file{abs: abs, name: name})
	}
	return name, true
}

func readFile(abs string) ([]byte, fs.FileMode, error) {
	info, err := os.Stat(abs)
	if err != nil {
		return nil, 0, err
	}
	if info.Size() > maxFileBytes {
		return nil, 0, fmt.Errorf("%d bytes exceeds the %d-byte limit for one file", info.Size(), maxFileBytes)
	}
	data, err := os.ReadFile(abs)
	return data, info.Mode().Perm(), err
}

// writeFile replaces a file through a temporary one in its directory, so
// a reader never sees half a file.
func writeFile(abs string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(abs), ".tugboat-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), abs)
}
