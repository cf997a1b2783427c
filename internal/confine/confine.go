// Package confine keeps paths taken from a repository inside that
// repository, symlinks included: repository content is hostile until proven
// otherwise.
package confine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrEscape is wrapped by every error about a path that leaves its root.
var ErrEscape = errors.New("path leaves the repository")

// Join resolves rel (a slash- or OS-separated path taken from repository
// content) against root and returns the absolute, symlink-free path, or an
// error wrapping ErrEscape if rel is absolute, climbs out with "..", or goes
// through a symlink that points outside root. The target need not exist.
func Join(root, rel string) (string, error) {
	if filepath.IsAbs(rel) || strings.HasPrefix(rel, "/") {
		return "", fmt.Errorf("%q: %w: absolute paths are not allowed", rel, ErrEscape)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", fmt.Errorf("resolve repository root %s: %w", root, err)
	}
	clean := filepath.Clean(filepath.FromSlash(rel))
	if clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%q: %w", rel, ErrEscape)
	}
	resolved, err := resolve(realRoot, clean)
	if err != nil {
		return "", fmt.Errorf("%q: %w", rel, err)
	}
	return resolved, nil
}

// resolve follows the existing part of rel component by component, so a
// symlink anywhere on the way is judged by where it really points.
func resolve(realRoot, rel string) (string, error) {
	cur := realRoot
	parts := strings.Split(rel, string(filepath.Separator))
	for i, part := range parts {
		if part == "." || part == "" {
			continue
		}
		next := filepath.Join(cur, part)
		info, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) {
			// The rest does not exist yet: nothing there can be a link.
			return filepath.Join(append([]string{next}, parts[i+1:]...)...), nil
		}
		if err != nil {
			return "", err
		}
		if info.Mode()&fs.ModeSymlink == 0 {
			// cur is symlink-free, so next is too: one Lstat, not a
			// resolution of the whole path again.
			cur = next
			continue
		}
		target, err := filepath.EvalSymlinks(next)
		if err != nil {
			return "", fmt.Errorf("%s: broken or looping symlink: %w", part, err)
		}
		if !Within(realRoot, target) {
			return "", fmt.Errorf("%w: %s links to %s", ErrEscape, part, target)
		}
		cur = target
	}
	return cur, nil
}

// Within reports whether path is root or below it (both absolute, clean).
func Within(root, path string) bool {
	if path == root {
		return true
	}
	return strings.HasPrefix(path, strings.TrimSuffix(root, string(filepath.Separator))+string(filepath.Separator))
}

// CheckSymlinks walks dir (inside root) and returns an error naming the
// first symlink that resolves outside root. Renderers whose libraries read
// files on their own (kustomize, Helm) get this check before they start.
func CheckSymlinks(root, dir string) error {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("resolve repository root %s: %w", root, err)
	}
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		target, err := filepath.EvalSymlinks(path)
		rel, _ := filepath.Rel(root, path)
		if err != nil {
			return fmt.Errorf("%s: broken or looping symlink: %w", rel, err)
		}
		if !Within(realRoot, target) {
			return fmt.Errorf("%s: %w: symlink to %s", rel, ErrEscape, target)
		}
		return nil
	})
}

// ReadFile reads rel below root, confined, refusing files over maxBytes.
func ReadFile(root, rel string, maxBytes int64) ([]byte, error) {
	path, err := Join(root, rel)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	if info.Size() > maxBytes {
		return nil, fmt.Errorf("%s: %d bytes exceeds the %d-byte limit for one file", rel, info.Size(), maxBytes)
	}
	return os.ReadFile(path)
}
