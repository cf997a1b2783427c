package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/confine"
	"github.com/tugboat-gitops/tugboat/internal/failure"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/source/git"
)

// SourceSpec says where an app's manifests come from: a local directory (a
// checkout CI already has) or a git repository at a ref.
type SourceSpec struct {
	// Dir is a local directory; rendering is confined to the git checkout
	// that holds it, or to Dir itself outside any checkout.
	Dir string `json:"dir,omitempty"`
	// Repo is a git URL, Ref a branch, tag, semver range or commit, and
	// Path the app's directory in the repository.
	Repo string `json:"repo,omitempty"`
	Ref  string `json:"ref,omitempty"`
	Path string `json:"path,omitempty"`
	// Credentials for Repo; never printed.
	Credentials source.Credentials `json:"-"`
	// MaxAge lets a fetch of the same repository, ref and credentials
	// that started less than MaxAge ago answer instead of a new one (a
	// driver's routine check); zero always asks the remote.
	MaxAge time.Duration `json:"-"`
	// Chart, when set, is a Helm chart from a chart repository; values
	// files then come from Dir or Repo, if one is given.
	Chart *ChartSpec `json:"chart,omitempty"`
}

// ChartSpec names a chart in an index.yaml or OCI repository.
type ChartSpec struct {
	// Repo is https://host/path or oci://host/path.
	Repo string `json:"repo"`
	Name string `json:"name"`
	// Version is exact or a semver range; empty means the newest stable.
	Version string `json:"version,omitempty"`
	// Username and Password authenticate to Repo; never printed.
	Username string `json:"-"`
	Password string `json:"-"`
}

// Rendered is the desired state of an app at one revision.
type Rendered struct {
	// Revision is what was rendered ("main@sha1:..."); empty for a local
	// directory outside git.
	Revision string           `json:"revision,omitempty"`
	Objects  []*object.Object `json:"-"`
}

// Render fetches src and renders req from it. req.Root and req.Path are
// set from src. Nothing is returned unless the whole render succeeded.
func (p *Pipeline) Render(ctx context.Context, src SourceSpec, req render.Request) (*Rendered, error) {
	start := time.Now()
	art, path, err := p.fetch(ctx, src)
	if err != nil {
		return nil, fetchFailure(err)
	}
	p.log.DebugContext(ctx, "fetched", "source", describe(src), "revision", art.Revision, "took", since(start))
	req.Root, req.Path = art.Dir, path
	if req.Helm.ValuesFiles, err = valuesInRoot(art.Dir, req.Helm.ValuesFiles); err != nil {
		return nil, failure.AtRevision(renderFailure(err), art.Revision)
	}
	req.Helm.Fetcher = p.chartFetcher(src.Chart)
	revision := art.Commit
	if src.Chart != nil {
		chart, err := p.fetchChart(ctx, src.Chart)
		if err != nil {
			return nil, failure.AtRevision(fetchFailure(err), art.Revision)
		}
		req.Kind, req.Helm.ChartDir = render.KindHelm, chart.Dir
		// Values from a local directory have no commit: such a render is
		// never cached, or an edited values file would go unseen.
		if art.Commit != "" {
			revision = chart.Digest + "/" + art.Commit
		}
		art.Revision = joinRevision(chart.Name+"@"+chart.Version, art.Revision)
	}
	start = time.Now()
	objs, err := p.renderer.Render(ctx, revision, req)
	if err != nil {
		// The commit is what failed: a status names it as attempted.
		return nil, failure.AtRevision(renderFailure(err), art.Revision)
	}
	p.log.DebugContext(ctx, "rendered", "path", req.Path, "objects", len(objs), "took", since(start))
	return &Rendered{Revision: art.Revision, Objects: objs}, nil
}

func (p *Pipeline) fetch(ctx context.Context, src SourceSpec) (*source.Artifact, string, error) {
	switch {
	case src.Repo != "" && src.Dir != "":
		return nil, "", errors.New("source: give a local directory or a repository, not both")
	case src.Repo != "":
		return p.fetchGit(ctx, src)
	case src.Dir != "":
		return localArtifact(src.Dir)
	case src.Chart != nil:
		// A chart alone: values files have no repository to come from.
		dir, err := p.emptyRoot()
		return &source.Artifact{Dir: dir}, ".", err
	default:
		return nil, "", errors.New("source: no directory or repository given")
	}
}

// valuesInRoot makes absolute values files (given on the command line,
// relative to the working directory) relative to root, the repository;
// the renderer then keeps them inside it, symlinks included. Relative ones
// are relative to root already.
func valuesInRoot(root string, files []string) ([]string, error) {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f
		if !filepath.IsAbs(f) {
			continue
		}
		rel, err := relativeTo(root, f)
		if err != nil {
			return nil, fmt.Errorf("values file %s: %w", f, err)
		}
		out[i] = rel
	}
	return out, nil
}

// relativeTo returns path relative to root, comparing them as given and,
// failing that, with symlinks resolved (a working directory reached by a
// link).
func relativeTo(root, path string) (string, error) {
	rel, err := filepath.Rel(root, path)
	if err == nil && !escapes(rel) {
		return rel, nil
	}
	realRoot, rerr := filepath.EvalSymlinks(root)
	realDir, derr := filepath.EvalSymlinks(filepath.Dir(path))
	if rerr == nil && derr == nil {
		rel, err = filepath.Rel(realRoot, filepath.Join(realDir, filepath.Base(path)))
		if err == nil && !escapes(rel) {
			return rel, nil
		}
	}
	return "", fmt.Errorf("%w: outside the repository %s", confine.ErrEscape, root)
}

func escapes(rel string) bool {
	return rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// localArtifact confines a local directory to the git checkout around it,
// so an overlay may use ../base but nothing outside the repository.
func localArtifact(dir string) (*source.Artifact, string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", fmt.Errorf("source %s: %w", dir, err)
	}
	if info, err := os.Stat(abs); err != nil {
		return nil, "", fmt.Errorf("source %s: %w", dir, err)
	} else if !info.IsDir() {
		return nil, "", fmt.Errorf("source %s: not a directory", dir)
	}
	root, revision := abs, ""
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			root = d
			// A checkout without a commit yet has no revision to name.
			revision, _ = git.LocalRevision(d)
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return nil, "", fmt.Errorf("source %s: %w", dir, err)
	}
	return &source.Artifact{Dir: root, Revision: revision}, rel, nil
}

// TargetCluster makes req render for c: Helm templates see c's version and
// API versions (unless given), namespaced kinds are told by c's
// discovery, and objects (and the Helm release) with no namespace go to
// c's default namespace unless req names one.
func TargetCluster(ctx context.Context, req *render.Request, c *cluster.Cluster) error {
	if req.Post.Namespace == "" {
		req.Post.Namespace = c.DefaultNamespace()
	}
	if req.Helm.Namespace == "" {
		req.Helm.Namespace = req.Post.Namespace
	}
	if req.Helm.KubeVersion == "" || len(req.Helm.APIVersions) == 0 {
		version, apis, err := c.Capabilities(ctx)
		if err != nil {
			return err
		}
		if req.Helm.KubeVersion == "" {
			req.Helm.KubeVersion = version
		}
		if len(req.Helm.APIVersions) == 0 {
			req.Helm.APIVersions = apis
		}
	}
	req.Post.Scope = c.Scope()
	req.Helm.Lookup = c.Config
	return nil
}
