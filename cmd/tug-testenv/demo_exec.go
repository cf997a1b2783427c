package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// commandTimeout bounds one tug or git command of the story.
const commandTimeout = 2 * time.Minute

// tug runs the built tug as a user would, printing the command and its
// output; it returns the output.
func (d *demoRun) tug(ctx context.Context, args ...string) (string, error) {
	return d.tugIn(ctx, "", args...)
}

// tugIn is tug run in dir.
func (d *demoRun) tugIn(ctx context.Context, dir string, args ...string) (string, error) {
	d.command("tug %s", shellJoin(args))
	out, err := d.runTug(ctx, dir, args...)
	d.show(out)
	if err != nil {
		return out, fmt.Errorf("tug %s: %w", args[0], err)
	}
	return out, nil
}

// runTug runs tug quietly, standard output and error together.
func (d *demoRun) runTug(ctx context.Context, dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, d.tugPath, args...)
	cmd.Dir, cmd.Env = dir, d.tugEnv()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// tugEnv is the process's environment aimed at the demo's cluster, with
// the git credentials tug's pushes read (TUGBOAT_GIT_*), none of the
// user's own.
func (d *demoRun) tugEnv() []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return strings.HasPrefix(name, "TUGBOAT_") || name == "KUBECONFIG"
	})
	return append(env, "KUBECONFIG="+d.cluster.Kubeconfig, "NO_COLOR=1",
		"TUGBOAT_GIT_USERNAME="+d.env.Git.Username, "TUGBOAT_GIT_PASSWORD="+d.env.Git.Password)
}

// hasCommand reports whether the built tug has the command name: tug
// rollback and tug promote are being written while this demo runs.
func (d *demoRun) hasCommand(ctx context.Context, name string) bool {
	out, err := d.runTug(ctx, "", name, "--help")
	return err == nil && strings.Contains(out, "tug "+name)
}

// git runs git in the demo's checkout of the environment repository.
func (d *demoRun) git(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	return d.env.Git.Git(ctx, d.wt.Dir, nil, args...)
}

// commit takes in what others pushed (the controller commits images),
// lets edit change the checkout, commits as msg, shows the change and
// pushes it. It returns the new commit's SHA.
func (d *demoRun) commit(ctx context.Context, msg string, edit func() error) (string, error) {
	if _, err := d.git(ctx, "pull", "--quiet", "--rebase", "origin", "main"); err != nil {
		return "", err
	}
	if err := edit(); err != nil {
		return "", err
	}
	d.command("git commit -am %s && git push", shellQuote(msg))
	if _, err := d.git(ctx, "commit", "--quiet", "--all", "--message", msg); err != nil {
		return "", err
	}
	return d.push(ctx)
}

// push shows the last commit's change and pushes main, without force: a
// push that lost a race with the controller fails instead of undoing it.
func (d *demoRun) push(ctx context.Context) (string, error) {
	diff, err := d.git(ctx, "show", "--format=%h %s", "--unified=0", "HEAD")
	if err != nil {
		return "", err
	}
	d.show(trimDiff(diff))
	if _, err := d.git(ctx, "push", "--quiet", "origin", "HEAD:main"); err != nil {
		return "", err
	}
	return d.git(ctx, "rev-parse", "HEAD")
}

// diffNoise are the lines of a diff a person need not read.
var diffNoise = regexp.MustCompile(`^(diff --git|index |--- |\+\+\+ |@@)`)

func trimDiff(diff string) string {
	var keep []string
	for _, l := range strings.Split(diff, "\n") {
		if l != "" && !diffNoise.MatchString(l) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// remoteHead is the SHA of main on the git server.
func (d *demoRun) remoteHead(ctx context.Context) (string, error) {
	out, err := d.git(ctx, "ls-remote", "origin", "refs/heads/main")
	if err != nil {
		return "", err
	}
	sha, _, _ := strings.Cut(out, "\t")
	if sha == "" {
		return "", fmt.Errorf("no main branch on the git server")
	}
	return sha, nil
}

// editFile rewrites the checkout's file rel with re replaced by repl,
// failing when re matches nothing.
func (d *demoRun) editFile(rel string, re *regexp.Regexp, repl string) error {
	path := filepath.Join(d.wt.Dir, filepath.FromSlash(rel))
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !re.Match(data) {
		return fmt.Errorf("%s: nothing matches %s", rel, re)
	}
	return os.WriteFile(path, re.ReplaceAll(data, []byte(repl)), 0o644)
}

// shellJoin quotes args for display.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " '\"$`\\!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
