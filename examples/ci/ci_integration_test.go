// Package ci holds the CI examples' test: it runs the tug steps of the
// GitHub Actions workflows and GitLab CI pipelines in this directory, as
// written and in the order a release goes through them, against a local
// cluster, git server and registry, so that the examples cannot rot.
package ci

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// step is a tug step of an example: a GitHub Actions step named "tug: ..."
// or the script of a GitLab CI job named tug-*.
type step struct {
	name   string
	script string
	// env are the variables the step declares (GitHub's step env, GitLab's
	// job variables): the test must give each a value.
	env []string
}

// githubSteps reads the "tug: ..." steps of a workflow, job by job in file
// order.
func githubSteps(t *testing.T, file string) []step {
	t.Helper()
	var doc struct {
		Jobs map[string]struct {
			Steps []struct {
				Name string            `json:"name"`
				Run  string            `json:"run"`
				Env  map[string]string `json:"env"`
			} `json:"steps"`
		} `json:"jobs"`
	}
	readYAML(t, file, &doc)
	var steps []step
	for _, job := range jobOrder(t, file, "jobs") {
		for _, s := range doc.Jobs[job].Steps {
			if strings.HasPrefix(s.Name, "tug: ") {
				steps = append(steps, step{name: s.Name, script: s.Run, env: keys(s.Env)})
			}
		}
	}
	return steps
}

// gitlabSteps reads the scripts of the tug-* jobs of a pipeline, in file
// order.
func gitlabSteps(t *testing.T, file string) []step {
	t.Helper()
	var doc map[string]json.RawMessage
	readYAML(t, file, &doc)
	var steps []step
	for _, job := range jobOrder(t, file, "") {
		if strings.HasPrefix(job, "tug-") {
			var j struct {
				Script    []string          `json:"script"`
				Variables map[string]string `json:"variables"`
			}
			if err := json.Unmarshal(doc[job], &j); err != nil {
				t.Fatalf("%s: job %s: %v", file, job, err)
			}
			steps = append(steps, step{name: job, script: strings.Join(j.Script, "\n"), env: keys(j.Variables)})
		}
	}
	return steps
}

func readYAML(t *testing.T, file string, v any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// jobOrder lists the keys of the mapping at top-level key under (the
// document itself when empty) in file order, which maps lose.
func jobOrder(t *testing.T, file, under string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	indent := ""
	inside := under == ""
	var order []string
	for _, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if !inside {
			inside = line == under+":"
			indent = "  "
			continue
		}
		if under != "" && !strings.HasPrefix(line, " ") {
			break
		}
		rest, ok := strings.CutPrefix(line, indent)
		if ok && rest != "" && rest[0] != ' ' && strings.HasSuffix(rest, ":") {
			order = append(order, strings.TrimSuffix(rest, ":"))
		}
	}
	return order
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func names(steps []step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.name)
	}
	return out
}

func find(t *testing.T, steps []step, name string) step {
	t.Helper()
	for _, s := range steps {
		if s.name == name {
			return s
		}
	}
	t.Fatalf("no step %q among %v", name, names(steps))
	return step{}
}

// runner runs steps with bash as CI runners do (-e, pipefail), with the
// tug just built first in PATH and nothing of the test's environment but
// PATH.
type runner struct {
	t    *testing.T
	path string
	home string
}

// run runs s in dir with env and returns its exit code and output. Every
// variable s declares must be in env.
func (r *runner) run(s step, dir string, env map[string]string) (int, string) {
	r.t.Helper()
	for _, k := range s.env {
		if _, ok := env[k]; !ok {
			r.t.Fatalf("step %q declares %s, which the test does not set: update the test with the example", s.name, k)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s.script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + r.path, "HOME=" + r.home, "NO_COLOR=1"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		r.t.Fatalf("step %q: %v\n%s", s.name, err, out.String())
	}
	return code, out.String()
}

// buildTug builds ./cmd/tug of this module into dir.
func buildTug(t *testing.T, dir string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, "tug"), "github.com/tugboat-gitops/tugboat/cmd/tug")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
}

// notes records the merge request notes posted to a stand-in for GitLab's
// API.
type notes struct {
	mu     sync.Mutex
	bodies []string
}

func (n *notes) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/v4/projects/7/merge_requests/3/notes" || r.Header.Get("PRIVATE-TOKEN") != "glpat-test" {
		http.Error(w, "unexpected request", http.StatusBadRequest)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	n.mu.Lock()
	n.bodies = append(n.bodies, r.PostForm.Get("body"))
	n.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
	fmt.Fprint(w, `{"id": 1}`)
}

func (n *notes) all() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.bodies)
}

// TestExamples goes through a release as the examples run it: a pull
// request on the environment repository is planned (GitHub and GitLab),
// merged and applied; the application repository's pipeline then bumps the
// image in the environment repository, and the next apply deploys it.
func TestExamples(t *testing.T) {
	ghEnv := githubSteps(t, "github/environment.yaml")
	ghApp := githubSteps(t, "github/application.yaml")
	glEnv := gitlabSteps(t, "gitlab/environment.gitlab-ci.yml")
	glApp := gitlabSteps(t, "gitlab/application.gitlab-ci.yml")
	for _, c := range []struct {
		file      string
		got, want []string
	}{
		{"github/environment.yaml", names(ghEnv), []string{"tug: plan", "tug: check", "tug: apply"}},
		{"github/application.yaml", names(ghApp), []string{"tug: bump the environment"}},
		{"gitlab/environment.gitlab-ci.yml", names(glEnv), []string{"tug-plan", "tug-apply"}},
		{"gitlab/application.gitlab-ci.yml", names(glApp), []string{"tug-bump"}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Fatalf("%s: tug steps %q, want %q: update the test with the example", c.file, c.got, c.want)
		}
	}

	cluster := testenv.NewCluster(t, testenv.ClusterOptions{})
	git := testenv.NewGitServer(t)
	reg := testenv.NewRegistry(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	bin := t.TempDir()
	buildTug(t, bin)
	r := &runner{t: t, path: bin + string(os.PathListSeparator) + os.Getenv("PATH"), home: t.TempDir()}

	image := reg.Host + "/team/web"
	for _, tag := range []string{"1.0.0", "1.1.0", "1.2.0"} {
		// The application's build, which the examples do with docker or
		// kaniko.
		if _, err := reg.PushRandomImage(ctx, "team/web", tag); err != nil {
			t.Fatal(err)
		}
	}
	seed := t.TempDir()
	writeFiles(t, seed, map[string]string{
		"tugboat.yaml": `apiVersion: tugboat.dev/v1alpha1
kind: Repository
apps:
  - name: web
    path: apps/web
    destination: {namespace: web}
`,
		"apps/web/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n",
		"apps/web/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: ` + image + `:1.0.0 # {"tugboat": "web"}
`,
	})
	if err := git.CreateRepo("env", seed); err != nil {
		t.Fatal(err)
	}

	// A pull request adds a ConfigMap.
	pr, err := git.Clone("env")
	if err != nil {
		t.Fatal(err)
	}
	if err := pr.Checkout("add-config"); err != nil {
		t.Fatal(err)
	}
	if err := pr.WriteFile("apps/web/config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  greeting: hello\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := pr.Commit("web: add its config"); err != nil {
		t.Fatal(err)
	}

	// with is the environment of a step that reaches the cluster.
	with := func(extra map[string]string) map[string]string {
		env := map[string]string{"KUBECONFIG": cluster.Kubeconfig}
		for k, v := range extra {
			env[k] = v
		}
		return env
	}

	t.Run("github pull request", func(t *testing.T) {
		output := filepath.Join(t.TempDir(), "github_output")
		code, out := r.run(find(t, ghEnv, "tug: plan"), pr.Dir, with(map[string]string{
			"GITHUB_OUTPUT": output, "TUGBOAT_GIT_PASSWORD": "", "NO_COLOR": "1",
		}))
		if code != 0 {
			t.Fatalf("tug: plan: exit %d\n%s", code, out)
		}
		outputs, _ := os.ReadFile(output)
		if string(outputs) != "code=1\n" {
			t.Errorf("step outputs %q, want code=1 (changes)", outputs)
		}
		plan, _ := os.ReadFile(filepath.Join(pr.Dir, "plan.md"))
		for _, want := range []string{"### tug diff --all (exit 1)", "greeting: hello", "kind: Deployment"} {
			if !bytes.Contains(plan, []byte(want)) {
				t.Errorf("plan.md lacks %q:\n%s", want, plan)
			}
		}
		if code, out := r.run(find(t, ghEnv, "tug: check"), pr.Dir, map[string]string{"CODE": "1"}); code != 0 {
			t.Errorf("tug: check with changes: exit %d, want 0\n%s", code, out)
		}
		if code, _ := r.run(find(t, ghEnv, "tug: check"), pr.Dir, map[string]string{"CODE": "2"}); code == 0 {
			t.Error("tug: check with an error: exit 0, want a failure")
		}
	})

	t.Run("gitlab merge request", func(t *testing.T) {
		var n notes
		api := httptest.NewServer(http.HandlerFunc(n.serve))
		defer api.Close()
		code, out := r.run(find(t, glEnv, "tug-plan"), pr.Dir, with(map[string]string{
			"CI_API_V4_URL": api.URL + "/api/v4", "CI_PROJECT_ID": "7", "CI_MERGE_REQUEST_IID": "3", "GITLAB_TOKEN": "glpat-test",
		}))
		if code != 0 {
			t.Fatalf("tug-plan: exit %d\n%s", code, out)
		}
		got := n.all()
		if len(got) != 1 || !strings.Contains(got[0], "### tug diff --all (exit 1)") || !strings.Contains(got[0], "greeting: hello") {
			t.Errorf("notes posted: %q, want one with the plan", got)
		}
	})

	// The merge.
	if _, err := git.Git(ctx, pr.Dir, nil, "push", "--quiet", "origin", "HEAD:main"); err != nil {
		t.Fatal(err)
	}
	main := func(t *testing.T) string {
		t.Helper()
		w, err := git.Clone("env")
		if err != nil {
			t.Fatal(err)
		}
		return w.Dir
	}
	deployed := func(t *testing.T, want string) {
		t.Helper()
		d, err := cluster.Clientset().AppsV1().Deployments("web").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Spec.Template.Spec.Containers[0].Image; got != want {
			t.Errorf("the Deployment runs %s, want %s", got, want)
		}
		if d.Status.AvailableReplicas < 1 {
			t.Errorf("the Deployment has %d available replicas, want 1 (--wait)", d.Status.AvailableReplicas)
		}
	}
	apply := func(t *testing.T, s step) {
		t.Helper()
		if code, out := r.run(s, main(t), with(map[string]string{"TUGBOAT_GIT_PASSWORD": ""})); code != 0 {
			t.Fatalf("%s: exit %d\n%s", s.name, code, out)
		}
	}
	bump := func(t *testing.T, s step, tag string) {
		t.Helper()
		code, out := r.run(s, t.TempDir(), map[string]string{
			"ENV_REPO": git.HTTPURL("env"), "APP": "web", "IMAGE": image, "TAG": tag,
			"TUGBOAT_GIT_USERNAME": git.Username, "TUGBOAT_GIT_PASSWORD": git.Password,
		})
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", s.name, code, out)
		}
		if strings.Contains(out, git.Password) {
			t.Errorf("%s printed the git password:\n%s", s.name, out)
		}
	}
	head := func(t *testing.T) (sha, message string) {
		t.Helper()
		dir := main(t)
		sha, err := git.Git(ctx, dir, nil, "rev-parse", "HEAD")
		if err == nil {
			message, err = git.Git(ctx, dir, nil, "log", "-1", "--format=%B")
		}
		if err != nil {
			t.Fatal(err)
		}
		return sha, message
	}

	t.Run("github apply on merge", func(t *testing.T) {
		apply(t, find(t, ghEnv, "tug: apply"))
		deployed(t, image+":1.0.0")
	})

	t.Run("github release bumps, apply deploys", func(t *testing.T) {
		bump(t, find(t, ghApp, "tug: bump the environment"), "1.1.0")
		if _, msg := head(t); !strings.Contains(msg, "web: "+image+" 1.0.0 -> 1.1.0") {
			t.Errorf("the environment's head says %q, want the bump", msg)
		}
		apply(t, find(t, ghEnv, "tug: apply"))
		deployed(t, image+":1.1.0")
	})

	t.Run("gitlab release bumps, apply deploys", func(t *testing.T) {
		bump(t, find(t, glApp, "tug-bump"), "1.2.0")
		before, msg := head(t)
		if !strings.Contains(msg, "web: "+image+" 1.1.0 -> 1.2.0") {
			t.Errorf("the environment's head says %q, want the bump", msg)
		}
		apply(t, find(t, glEnv, "tug-apply"))
		deployed(t, image+":1.2.0")

		// A pipeline run again for the same release changes nothing.
		bump(t, find(t, glApp, "tug-bump"), "1.2.0")
		if after, _ := head(t); after != before {
			t.Errorf("a repeated bump committed %s", after)
		}
	})
}

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
