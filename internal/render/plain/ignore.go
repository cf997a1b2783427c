package plain

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/tugboat-gitops/tugboat/internal/confine"
)

// ignoreFile lists, one per line, files and directories of a plain app that
// are not manifests. "#" starts a comment.
const ignoreFile = ".tugignore"

// ignoreList holds .tugignore patterns: a pattern with a slash matches the
// path relative to the app directory, one without matches any base name
// (like .gitignore); a trailing slash matches directories only.
type ignoreList struct {
	patterns []string
}

func readIgnore(root, appPath string) (*ignoreList, error) {
	rel := filepath.Join(appPath, ignoreFile)
	data, err := confine.ReadFile(root, rel, 1<<20)
	if errors.Is(err, fs.ErrNotExist) {
		return &ignoreList{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rel, err)
	}
	l := &ignoreList{}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, err := path.Match(strings.TrimSuffix(line, "/"), ""); err != nil {
			return nil, fmt.Errorf("%s:%d: bad pattern %q: %w", rel, i+1, line, err)
		}
		l.patterns = append(l.patterns, line)
	}
	return l, nil
}

func (l *ignoreList) match(rel string, isDir bool) bool {
	for _, p := range l.patterns {
		dirOnly := strings.HasSuffix(p, "/")
		p = strings.TrimSuffix(p, "/")
		if dirOnly && !isDir {
			continue
		}
		target := rel
		if !strings.Contains(p, "/") {
			target = path.Base(rel)
		}
		if ok, _ := path.Match(strings.TrimPrefix(p, "/"), target); ok {
			return true
		}
	}
	return false
}
