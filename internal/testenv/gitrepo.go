package testenv

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// gitCommandTimeout bounds each git command the helpers run.
const gitCommandTimeout = 30 * time.Second

// The services counted per repository.
const (
	gitInfoRefs    = "info/refs"
	gitUploadPack  = "git-upload-pack"
	gitReceivePack = "git-receive-pack"
)

// GitEnv is the environment for running the git CLI against the server
// hermetically: the process's own without its GIT_ variables, SSH agent and
// HOME, no system or global config, a fixed author and committer, no
// prompts, and GitSSHCommand.
func (g *GitServer) GitEnv() []string {
	return append(gitServerEnv(g.home()),
		"GIT_AUTHOR_NAME=Tugboat Test",
		"GIT_AUTHOR_EMAIL=test@tugboat.invalid",
		"GIT_COMMITTER_NAME=Tugboat Test",
		"GIT_COMMITTER_EMAIL=test@tugboat.invalid",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_SSH_COMMAND="+g.GitSSHCommand(),
	)
}

// Git runs the git CLI in dir with GitEnv and then env, and returns its
// trimmed standard output. Its error carries git's standard error.
func (g *GitServer) Git(ctx context.Context, dir string, env []string, args ...string) (string, error) {
	return runGit(ctx, dir, append(g.GitEnv(), env...), args...)
}

func runGit(ctx context.Context, dir string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir, cmd.Env = dir, env
	// ssh, a child of git, can hold the pipes open after git is killed.
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, lastLines(strings.TrimSpace(stderr.String()), 20))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// gitServerEnv is the process's environment made hermetic for git.
func gitServerEnv(home string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return strings.HasPrefix(name, "GIT_") || slices.Contains([]string{"HOME", "XDG_CONFIG_HOME", "SSH_AUTH_SOCK", "SSH_ASKPASS"}, name)
	})
	return append(env, gitIsolationEnv(home)...)
}

// gitIsolationEnv keeps git from reading the user's or the system's config.
func gitIsolationEnv(home string) []string {
	return []string{"HOME=" + home, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null"}
}

// CreateRepo creates the bare repository <name>.git under Root, its default
// branch main. If fromDir is not empty, its content becomes the first commit
// on main. It works on the filesystem, so it adds nothing to the request
// counts.
func (g *GitServer) CreateRepo(name, fromDir string) error {
	name = gitRepoName(name)
	if err := g.createRepo(name, fromDir); err != nil {
		return fmt.Errorf("create repository %s: %w", name, err)
	}
	return nil
}

func (g *GitServer) createRepo(name, fromDir string) error {
	if err := validGitRepoName(name); err != nil {
		return err
	}
	bare := g.repoDir(name)
	if _, err := os.Stat(bare); err == nil {
		return fmt.Errorf("%s already exists", bare)
	}
	ctx, cancel := context.WithTimeout(context.Background(), gitCommandTimeout)
	defer cancel()
	if _, err := runGit(ctx, g.Root, g.GitEnv(), "init", "--quiet", "--bare", "--initial-branch=main", bare); err != nil {
		return err
	}
	if fromDir == "" {
		return nil
	}
	return g.importDir(ctx, name, fromDir)
}

// importDir commits fromDir's content to main. Adding with fromDir as the
// work tree takes it in place, symbolic links included, without a copy.
func (g *GitServer) importDir(ctx context.Context, name, fromDir string) error {
	wt, err := g.Clone(name)
	if err != nil {
		return err
	}
	defer os.RemoveAll(wt.Dir)
	gitDir := "--git-dir=" + filepath.Join(wt.Dir, ".git")
	if _, err := runGit(ctx, fromDir, wt.env, gitDir, "--work-tree=.", "add", "--all", "."); err != nil {
		return err
	}
	if _, err := wt.git("commit", "--quiet", "--allow-empty", "--message", "Import "+filepath.Base(fromDir)); err != nil {
		return err
	}
	return wt.Push()
}

func (g *GitServer) repoDir(name string) string {
	return filepath.Join(g.Root, filepath.FromSlash(name)+".git")
}

// gitRepoName accepts a repository name with or without ".git" and with or
// without a leading slash.
func gitRepoName(repo string) string {
	return strings.TrimSuffix(strings.Trim(repo, "/"), ".git")
}

// validGitRepoName rejects names that would leave the root.
func validGitRepoName(name string) error {
	if name == "" || filepath.IsAbs(name) {
		return fmt.Errorf("invalid repository name %q", name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("invalid repository name %q", name)
		}
	}
	return nil
}

// WorkTree is a checkout of one of the server's repositories, where tests
// make the commits and tags they then fetch.
type WorkTree struct {
	// Dir is the root of the checkout.
	Dir string
	env []string
}

// Clone checks a repository out into a new WorkTree under the server's
// temporary directory, which Stop removes. It clones from the filesystem,
// so it adds nothing to the request counts.
func (g *GitServer) Clone(repo string) (*WorkTree, error) {
	name := gitRepoName(repo)
	dir, err := os.MkdirTemp(filepath.Join(g.dir, "worktrees"), strings.ReplaceAll(name, "/", "_")+"-")
	if err != nil {
		return nil, fmt.Errorf("clone %s: %w", name, err)
	}
	w := &WorkTree{Dir: dir, env: g.GitEnv()}
	if _, err := w.git("clone", "--quiet", g.repoDir(name), "."); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("clone %s: %w", name, err)
	}
	return w, nil
}

// WriteFile writes content to the file at the slash-separated path rel,
// creating its directories.
func (w *WorkTree) WriteFile(rel, content string) error {
	path, err := w.path(rel)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(path), 0o755)
	}
	if err == nil {
		err = os.WriteFile(path, []byte(content), 0o644)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	return nil
}

// Remove deletes the file or directory at rel.
func (w *WorkTree) Remove(rel string) error {
	path, err := w.path(rel)
	if err == nil {
		err = os.RemoveAll(path)
	}
	if err != nil {
		return fmt.Errorf("remove %s: %w", rel, err)
	}
	return nil
}

func (w *WorkTree) path(rel string) (string, error) {
	p := filepath.FromSlash(rel)
	if !filepath.IsLocal(p) {
		return "", fmt.Errorf("path %q leaves the work tree", rel)
	}
	return filepath.Join(w.Dir, p), nil
}

// Commit records every change in the work tree, even none, and returns the
// new commit's SHA.
func (w *WorkTree) Commit(msg string) (string, error) {
	if _, err := w.git("add", "--all"); err != nil {
		return "", err
	}
	if _, err := w.git("commit", "--quiet", "--allow-empty", "--message", msg); err != nil {
		return "", err
	}
	return w.Head()
}

// Tag points the lightweight tag name at HEAD, moving it if it exists.
func (w *WorkTree) Tag(name string) error {
	_, err := w.git("tag", "--force", name)
	return err
}

// Checkout switches to branch, creating it at HEAD if it does not exist.
func (w *WorkTree) Checkout(branch string) error {
	_, err := w.git("checkout", "--quiet", "-B", branch)
	return err
}

// Push sends the current branch and all tags to the server, forced so that
// tests can rewrite history and move tags.
func (w *WorkTree) Push() error {
	_, err := w.git("push", "--quiet", "--force", "--tags", "origin", "HEAD")
	return err
}

// Head returns the SHA of the commit checked out.
func (w *WorkTree) Head() (string, error) {
	return w.git("rev-parse", "HEAD")
}

func (w *WorkTree) git(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), gitCommandTimeout)
	defer cancel()
	return runGit(ctx, w.Dir, w.env, args...)
}

// GitRequestStats counts the requests a GitServer served.
type GitRequestStats struct {
	// Total counts the requests served over both transports.
	Total int
	// Unauthorized counts HTTP requests refused for missing or wrong
	// credentials. The git CLI starts with one before sending credentials.
	Unauthorized int
	// Repos holds the counts per repository name, as given to CreateRepo.
	Repos map[string]RepoRequestStats
}

// RepoRequestStats counts the requests served for one repository.
type RepoRequestStats struct {
	Total int
	// InfoRefs counts HTTP ref advertisements (GET info/refs).
	InfoRefs int
	// UploadPack counts upload-pack requests: HTTP POSTs and SSH sessions.
	// With protocol v2 over HTTP, listing refs (ls-refs) makes one too.
	UploadPack int
	// ReceivePack counts receive-pack requests, the ones that push.
	ReceivePack int
	// Fetches counts the upload-pack requests that asked for objects: a
	// clone or a fetch with something new. Fetching unchanged refs makes
	// none.
	Fetches int
}

// Requests returns the counts of the requests served since the start or
// the last ResetRequests.
func (g *GitServer) Requests() GitRequestStats { return g.stats.snapshot() }

// RequestCount returns the number of requests served for a repository.
func (g *GitServer) RequestCount(repo string) int {
	return g.Requests().Repos[gitRepoName(repo)].Total
}

// ResetRequests sets every count back to zero.
func (g *GitServer) ResetRequests() {
	g.stats.mu.Lock()
	defer g.stats.mu.Unlock()
	g.stats.stats = GitRequestStats{}
}

type gitRequestCounter struct {
	mu    sync.Mutex
	stats GitRequestStats
}

func (c *gitRequestCounter) record(repo, service string, fetch bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stats.Repos == nil {
		c.stats.Repos = map[string]RepoRequestStats{}
	}
	r := c.stats.Repos[repo]
	r.Total++
	switch service {
	case gitInfoRefs:
		r.InfoRefs++
	case gitUploadPack:
		r.UploadPack++
	case gitReceivePack:
		r.ReceivePack++
	}
	if fetch {
		r.Fetches++
	}
	c.stats.Repos[repo] = r
	c.stats.Total++
}

func (c *gitRequestCounter) unauthorized() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats.Unauthorized++
}

func (c *gitRequestCounter) snapshot() GitRequestStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Repos = maps.Clone(s.Repos)
	return s
}
