package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
	"github.com/tugboat-gitops/tugboat/internal/render"
	"github.com/tugboat-gitops/tugboat/internal/source"
	"github.com/tugboat-gitops/tugboat/internal/source/helmrepo"
)

// renderOptions are the flags of tug render (and, later, diff and apply).
type renderOptions struct {
	src         pipeline.SourceSpec
	creds       source.CredentialFiles
	kind        string
	valuesFiles []string
	set         []string
	vars        []string
	labels      []string
	namespace   string
	release     string
	kubeVersion string
	apiVersions []string
	allowUndef  bool
	substitute  bool
	allowRemote bool
	enableHelm  bool
	chart       pipeline.ChartSpec
	helmAuth    helmrepo.AuthFiles
}

func newRenderCommand(g *GlobalOptions) *cobra.Command {
	o := &renderOptions{}
	cmd := &cobra.Command{
		Use:   "render [PATH | --repo URL --ref REF --path P]",
		Short: "Print the objects an app renders to, as YAML or JSON",
		Long: `Render an app's manifests (plain, kustomize or helm, detected from the
directory unless --kind is given) into the exact objects Tugboat would apply.

Nothing outside the repository is read: symlinks and ../ paths that leave it
are refused. With --kubeconfig or --context, Helm templates see that
cluster's version and API versions, and its discovery tells which kinds are
namespaced. Credentials come from files (--password-file, --token-file,
--ssh-key) or TUGBOAT_GIT_* environment variables, never from flag values.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.src.Dir = args[0]
			}
			req, err := o.request()
			if err != nil {
				return err
			}
			if o.src.Credentials, err = o.credentials(); err != nil {
				return err
			}
			if o.chart.Repo != "" || o.chart.Name != "" {
				if err := o.chartAuth(&o.chart); err != nil {
					return err
				}
				o.src.Chart = &o.chart
			}
			if cmd.Flag("kubeconfig").Changed || cmd.Flag("context").Changed {
				c, err := cluster.Connect(g.Kubeconfig, g.Context)
				if err != nil {
					return err
				}
				if err := pipeline.TargetCluster(cmd.Context(), &req, c); err != nil {
					return err
				}
			}
			p := g.pipeline()
			out, err := p.Render(cmd.Context(), o.src, req)
			if err != nil {
				return err
			}
			return writeObjects(g.Streams.Out, g.Output, out.Objects)
		},
	}
	o.addFlags(cmd)
	return cmd
}

func (o *renderOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.src.Repo, "repo", "", "git repository URL (https:// or ssh://)")
	f.StringVar(&o.src.Ref, "ref", "", "branch, tag, semver range (semver:>=1.2 <2) or commit (default: the remote HEAD)")
	f.StringVar(&o.src.Path, "path", "", "app directory inside the repository")
	f.StringVar(&o.kind, "kind", "", "renderer: plain, kustomize or helm (default: detected)")
	f.StringArrayVar(&o.valuesFiles, "values", nil, "helm values file (repeatable): relative to the working directory for a local PATH, to the repository root with --repo; it must lie inside the repository")
	f.StringArrayVar(&o.set, "set", nil, "helm value, key=value (repeatable)")
	f.StringArrayVar(&o.vars, "var", nil, "substitute ${NAME} with VALUE, NAME=VALUE (repeatable; turns substitution on)")
	f.BoolVar(&o.substitute, "substitute", false, "substitute ${NAME} even without --var, and in Helm chart output (default: only with --var, never in chart output)")
	f.BoolVar(&o.allowUndef, "allow-undefined-vars", false, "leave undefined ${NAME} as they are instead of failing")
	f.StringArrayVar(&o.labels, "label", nil, "label added to every object, key=value (repeatable)")
	f.StringVarP(&o.namespace, "namespace", "n", "", "namespace for namespaced objects that have none, and the helm release namespace")
	f.StringVar(&o.release, "release-name", "", "helm release name (default: the chart directory name)")
	f.StringVar(&o.kubeVersion, "kube-version", "", "Kubernetes version helm templates see")
	f.StringArrayVar(&o.apiVersions, "api-versions", nil, "API versions helm templates see (repeatable)")
	f.BoolVar(&o.allowRemote, "allow-remote-bases", false, "let kustomize fetch remote bases and files")
	f.BoolVar(&o.enableHelm, "enable-helm", false, "let kustomize inflate helmCharts vendored in the repository (with Tugboat's Helm renderer, no helm binary)")
	f.StringVar(&o.chart.Repo, "chart-repo", "", "Helm chart repository (https://... index, or oci://...); credentials from --helm-username/--helm-password-file or TUGBOAT_HELM_*")
	f.StringVar(&o.chart.Name, "chart", "", "chart name in --chart-repo")
	f.StringVar(&o.chart.Version, "chart-version", "", "chart version or semver range (default: newest stable)")
	f.StringVar(&o.helmAuth.Username, "helm-username", "", "user name for --chart-repo (HTTP basic auth or registry login)")
	f.StringVar(&o.helmAuth.PasswordFile, "helm-password-file", "", "file holding the password or token for --chart-repo")
	f.StringVar(&o.creds.Username, "username", "", "git user name (HTTP basic auth, or SSH user)")
	f.StringVar(&o.creds.PasswordFile, "password-file", "", "file holding the git password")
	f.StringVar(&o.creds.TokenFile, "token-file", "", "file holding a git access token")
	f.StringVar(&o.creds.SSHKeyFile, "ssh-key", "", "SSH private key file")
	f.StringVar(&o.creds.PassphraseFile, "ssh-passphrase-file", "", "file holding the SSH key's passphrase")
	f.StringVar(&o.creds.KnownHostsFile, "known-hosts", "", "known_hosts file (default ~/.ssh/known_hosts)")
}

func (o *renderOptions) request() (render.Request, error) {
	kind := render.Kind(o.kind)
	switch kind {
	case render.KindAuto, render.KindPlain, render.KindKustomize, render.KindHelm:
	default:
		return render.Request{}, fmt.Errorf("--kind %q: want plain, kustomize or helm", o.kind)
	}
	vars, err := render.ParseVars(o.vars)
	if err != nil {
		return render.Request{}, fmt.Errorf("--var: %w", err)
	}
	labels, err := parsePairs("--label", o.labels)
	if err != nil {
		return render.Request{}, err
	}
	values, err := o.values()
	if err != nil {
		return render.Request{}, err
	}
	subst := render.SubstituteAuto
	if o.substitute {
		subst = render.SubstituteOn
	}
	return render.Request{
		Kind:      kind,
		Kustomize: render.KustomizeOptions{AllowRemoteBases: o.allowRemote, EnableHelm: o.enableHelm},
		Helm: render.HelmOptions{
			ReleaseName: o.release, Namespace: o.namespace,
			ValuesFiles: values, Set: o.set,
			KubeVersion: o.kubeVersion, APIVersions: o.apiVersions,
		},
		Post: render.PostOptions{
			Namespace: o.namespace, Substitute: subst, Vars: vars, AllowUndefinedVars: o.allowUndef, Labels: labels,
		},
	}, nil
}

// values returns --values as the pipeline takes them: on the command line a
// path is relative to the working directory, as with helm and kubectl, so
// for a local checkout it is made absolute (the pipeline then places it in
// the repository); a --repo has no working directory, so its paths stay
// relative to the repository root.
func (o *renderOptions) values() ([]string, error) {
	if o.src.Repo != "" {
		return o.valuesFiles, nil
	}
	out := make([]string, len(o.valuesFiles))
	for i, f := range o.valuesFiles {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, fmt.Errorf("--values %s: %w", f, err)
		}
		out[i] = abs
	}
	return out, nil
}

// chartAuth sets c's credentials from --helm-username and
// --helm-password-file if either is given, else from TUGBOAT_HELM_USERNAME,
// _PASSWORD and _PASSWORD_FILE.
func (o *renderOptions) chartAuth(c *pipeline.ChartSpec) error {
	var a *helmrepo.Auth
	var err error
	if o.helmAuth != (helmrepo.AuthFiles{}) {
		a, err = o.helmAuth.Load()
	} else {
		a, err = helmrepo.AuthFromEnv("TUGBOAT_HELM_", os.Getenv)
	}
	if err != nil || a == nil {
		return err
	}
	c.Username, c.Password = a.Username, a.Password
	return nil
}

// credentials reads the credential files named by flags, falling back to
// TUGBOAT_GIT_* environment variables.
func (o *renderOptions) credentials() (source.Credentials, error) {
	var c source.Credentials
	var err error
	if o.creds != (source.CredentialFiles{}) {
		c, err = o.creds.Load()
	} else {
		c, err = source.CredentialsFromEnv("TUGBOAT_GIT_", os.Getenv)
	}
	if err != nil {
		return c, err
	}
	home, _ := os.UserHomeDir()
	return c, c.DefaultKnownHosts(home)
}

func parsePairs(flag string, pairs []string) (map[string]string, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(pairs))
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s %q: want key=value", flag, p)
		}
		out[k] = v
	}
	return out, nil
}

// writeObjects prints objects as a YAML stream, or as a JSON v1 List.
func writeObjects(w io.Writer, format OutputFormat, objs []*object.Object) error {
	if format == OutputJSON {
		items := make([]map[string]any, len(objs))
		for i, o := range objs {
			items[i] = o.Object
		}
		b, err := json.MarshalIndent(map[string]any{"apiVersion": "v1", "kind": "List", "items": items}, "", "  ")
		if err != nil {
			return fmt.Errorf("encode objects: %w", err)
		}
		return write(w, append(b, '\n'))
	}
	for i, o := range objs {
		b, err := yaml.Marshal(o.Object)
		if err != nil {
			return fmt.Errorf("encode %s: %w", o, err)
		}
		if i > 0 {
			b = append([]byte("---\n"), b...)
		}
		if err := write(w, b); err != nil {
			return err
		}
	}
	return nil
}
