package revert

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// file is a version of a file: its blob and mode. The zero file is an
// absent one.
type file struct {
	hash plumbing.Hash
	mode filemode.FileMode
}

// change turns a file from one version into another.
type change struct {
	path     string
	from, to file
}

// treeFiles lists the files of tree below dir ("." for all), by slash
// path from the root. A missing dir has none; a dir naming a file is that
// file.
func treeFiles(tree *object.Tree, dir string) (map[string]file, error) {
	out := map[string]file{}
	prefix := ""
	if dir != "." {
		entry, err := tree.FindEntry(dir)
		if errors.Is(err, object.ErrEntryNotFound) || errors.Is(err, object.ErrDirectoryNotFound) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("find %s: %w", dir, err)
		}
		if entry.Mode != filemode.Dir {
			return out, addFile(out, dir, entry)
		}
		if tree, err = tree.Tree(dir); err != nil {
			return nil, fmt.Errorf("read %s: %w", dir, err)
		}
		prefix = dir + "/"
	}
	w := object.NewTreeWalker(tree, true, nil)
	defer w.Close()
	for {
		name, entry, err := w.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read the tree below %s: %w", dir, err)
		}
		if entry.Mode == filemode.Dir {
			continue
		}
		if err := addFile(out, prefix+name, &entry); err != nil {
			return nil, err
		}
	}
}

// addFile records a tree entry, refusing what a checkout cannot hold.
func addFile(out map[string]file, name string, e *object.TreeEntry) error {
	if e.Mode == filemode.Submodule {
		return fmt.Errorf("%s: submodules are not supported", name)
	}
	if err := checkName(name); err != nil {
		return err
	}
	mode := e.Mode
	if mode == filemode.Deprecated {
		// Old git's group-writable mode; written and read back as regular.
		mode = filemode.Regular
	}
	out[name] = file{hash: e.Hash, mode: mode}
	return nil
}

// checkName refuses a path that leaves the work tree or writes into .git:
// repository content is hostile until proven otherwise.
func checkName(name string) error {
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." || part == ".." || strings.EqualFold(part, ".git") || strings.Contains(part, "\\") {
			return fmt.Errorf("%q: not a path a checkout can hold", name)
		}
	}
	return nil
}

// headFiles lists the files below dir in HEAD's tree.
func (c *checkout) headFiles(dir string) (map[string]file, error) {
	head, err := c.repo.Head()
	if err != nil {
		return nil, fmt.Errorf("read HEAD: %w", err)
	}
	commit, err := c.repo.CommitObject(head.Hash())
	if err != nil {
		return nil, fmt.Errorf("read HEAD's commit %s: %w", head.Hash(), err)
	}
	tree, err := commit.Tree()
	if err != nil {
		return nil, fmt.Errorf("read the tree of %s: %w", commit.Hash, err)
	}
	files, err := treeFiles(tree, dir)
	if err != nil {
		return nil, fmt.Errorf("HEAD %s: %w", commit.Hash, err)
	}
	return files, nil
}

// diff lists, sorted by path, the files that differ between from and to.
func diff(from, to map[string]file) []change {
	var out []change
	for p, f := range from {
		if to[p] != f {
			out = append(out, change{path: p, from: f, to: to[p]})
		}
	}
	for p, f := range to {
		if _, ok := from[p]; !ok {
			out = append(out, change{path: p, to: f})
		}
	}
	slices.SortFunc(out, func(a, b change) int { return strings.Compare(a.path, b.path) })
	return out
}

// setFile records version f of p in files; an absent f removes p.
func setFile(files map[string]file, p string, f file) {
	if f == (file{}) {
		delete(files, p)
		return
	}
	files[p] = f
}

// paths are the changes' paths, in order.
func paths(changes []change) []string {
	out := make([]string, len(changes))
	for i, ch := range changes {
		out[i] = ch.path
	}
	return out
}
