package git

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	gogit "github.com/go-git/go-git/v5"

	"github.com/tugboat-gitops/tugboat/internal/source/gittransport"
)

// repoCache is the cache of one repository URL, under the cache root:
//
//	git/<key>/lock                 flock held while the entry changes
//	git/<key>/url                  the URL, for people looking at the cache
//	git/<key>/repo.git/            a bare repository of the fetched refs
//	git/<key>/checkouts/<commit>/  the tree of one commit, complete
//
// A checkout is written to checkouts/.tmp-* and renamed into place, so a
// checkout directory that exists is complete; Fetch returns one without
// taking the lock.
type repoCache struct {
	dir string
}

// newRepoCache names the entry by a hash of the normalized URL, so that
// spellings of one URL share it and no URL shows in a path.
func newRepoCache(root string, ep gittransport.Endpoint) repoCache {
	sum := sha256.Sum256([]byte(ep.Normalized))
	return repoCache{dir: filepath.Join(root, "git", hex.EncodeToString(sum[:]))}
}

func (c repoCache) repoDir() string      { return filepath.Join(c.dir, "repo.git") }
func (c repoCache) checkoutsDir() string { return filepath.Join(c.dir, "checkouts") }

func (c repoCache) checkoutDir(commit string) string {
	return filepath.Join(c.checkoutsDir(), commit)
}

// hasCheckout reports whether the checkout of commit is complete.
func (c repoCache) hasCheckout(commit string) bool {
	info, err := os.Lstat(c.checkoutDir(commit))
	return err == nil && info.IsDir()
}

// lock creates the entry if needed and locks it. Under the lock, no other
// goroutine or process changes the repository or the checkouts, so any
// temporary checkout left is from a process that died: it is removed.
func (c repoCache) lock(ctx context.Context, url string) (func(), error) {
	if err := os.MkdirAll(c.checkoutsDir(), 0o755); err != nil {
		return nil, fmt.Errorf("create cache: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(c.dir, "lock"))
	if err != nil {
		return nil, err
	}
	if err := c.tidy(url); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}

// tidy removes stale temporary checkouts and records the URL.
func (c repoCache) tidy(url string) error {
	stale, err := filepath.Glob(filepath.Join(c.checkoutsDir(), ".tmp-*"))
	if err != nil {
		return fmt.Errorf("tidy cache: %w", err)
	}
	for _, dir := range stale {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("tidy cache: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(c.dir, "url"), []byte(url+"\n"), 0o644); err != nil {
		return fmt.Errorf("tidy cache: %w", err)
	}
	return nil
}

// open opens the bare repository, creating it if it does not exist. A
// repository that cannot be opened (a process died while creating it) is
// created anew: it is a cache, the remote has everything.
func (c repoCache) open() (*gogit.Repository, error) {
	repo, err := gogit.PlainOpen(c.repoDir())
	if err == nil {
		return repo, nil
	}
	if !errors.Is(err, gogit.ErrRepositoryNotExists) {
		return c.reset()
	}
	return c.create()
}

// reset replaces the repository with an empty one.
func (c repoCache) reset() (*gogit.Repository, error) {
	if err := os.RemoveAll(c.repoDir()); err != nil {
		return nil, fmt.Errorf("reset cached repository: %w", err)
	}
	return c.create()
}

func (c repoCache) create() (*gogit.Repository, error) {
	repo, err := gogit.PlainInit(c.repoDir(), true)
	if err != nil {
		return nil, fmt.Errorf("create cached repository: %w", err)
	}
	return repo, nil
}

// newCheckoutTemp creates the temporary directory a checkout is written to.
func (c repoCache) newCheckoutTemp(commit string) (string, error) {
	dir, err := os.MkdirTemp(c.checkoutsDir(), ".tmp-"+commit[:12]+"-")
	if err == nil {
		err = os.Chmod(dir, 0o755)
	}
	if err != nil {
		return "", fmt.Errorf("create checkout: %w", err)
	}
	return dir, nil
}

// commitCheckout renames a complete temporary checkout into place.
func (c repoCache) commitCheckout(tmp, commit string) error {
	if err := os.Rename(tmp, c.checkoutDir(commit)); err != nil {
		return fmt.Errorf("complete checkout: %w", err)
	}
	return nil
}
