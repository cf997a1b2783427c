// Package cluster connects to a destination cluster: a client
// configuration from a kubeconfig and context, a dynamic client, and
// discovery (kinds, their scope, and the capabilities Helm templates see).
package cluster

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

// Cluster is a connection to one destination cluster.
type Cluster struct {
	// Name is the kubeconfig context (or the server URL).
	Name string
	// Namespace is the kubeconfig context's namespace, where objects that
	// name none go, as with kubectl; empty means "default".
	Namespace string
	Config    *rest.Config
	Dynamic   dynamic.Interface
	Discovery discovery.CachedDiscoveryInterface
	// Mapper maps kinds to resources; Reset it after CRDs are created.
	Mapper *restmapper.DeferredDiscoveryRESTMapper

	metaOnce sync.Once
	meta     metadata.Interface
	metaErr  error

	// capabilities are computed once per discovery refresh: a
	// controller renders for every app, and discovery rarely changes.
	capMu   sync.Mutex
	capVer  string
	capAPIs []string
}

// Refresh forgets what discovery said (the kinds served, the API
// versions), after CRDs were created or when a kind is not found.
func (c *Cluster) Refresh() {
	c.Mapper.Reset()
	c.capMu.Lock()
	c.capVer, c.capAPIs = "", nil
	c.capMu.Unlock()
}

// Connect loads kubeconfig (a path or a list; empty means the default
// loading rules: $KUBECONFIG, then ~/.kube/config) with context (empty: the
// current one).
func Connect(kubeconfig, kubeContext string) (*Cluster, error) {
	loader := newLoader(kubeconfig, kubeContext)
	cfg, err := loader.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	name := kubeContext
	if name == "" {
		if raw, err := loader.RawConfig(); err == nil {
			name = raw.CurrentContext
		}
	}
	ns, _, err := loader.Namespace()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	c, err := FromConfig(name, cfg)
	if err != nil {
		return nil, err
	}
	c.Namespace = ns
	return c, nil
}

// Kubeconfig returns the kubeconfig that Connect(kubeconfig, kubeContext)
// loads, merged, with kubeContext (if given) as its current context, so
// that its other contexts can be connected to as well. It is nil when
// there is none: in a cluster, Connect uses the in-cluster config.
func Kubeconfig(kubeconfig, kubeContext string) (*clientcmdapi.Config, error) {
	raw, err := newLoader(kubeconfig, kubeContext).RawConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	if len(raw.Contexts) == 0 {
		return nil, nil
	}
	if kubeContext != "" {
		raw.CurrentContext = kubeContext
	}
	return &raw, nil
}

func newLoader(kubeconfig, kubeContext string) clientcmd.ClientConfig {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.ExplicitPath = ""
		rules.Precedence = strings.Split(kubeconfig, ":")
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: kubeContext}
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
}

// DefaultNamespace is where namespaced objects that name no namespace go:
// the context's namespace, else "default", as kubectl does.
func (c *Cluster) DefaultNamespace() string {
	if c.Namespace == "" {
		return "default"
	}
	return c.Namespace
}

// FromConfig connects with a ready client configuration. Client-side rate
// limiting is turned off unless cfg sets it: the API server's own priority
// and fairness is the limit that matters, and client throttling would make
// a large apply wait for nothing.
func FromConfig(name string, cfg *rest.Config) (*Cluster, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.QPS == 0 && cfg.Burst == 0 && cfg.RateLimiter == nil {
		cfg.QPS, cfg.Burst = -1, -1
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	if name == "" {
		name = cfg.Host
	}
	cached := memory.NewMemCacheClient(dc)
	return &Cluster{
		Name: name, Config: cfg, Dynamic: dyn, Discovery: cached,
		Mapper: restmapper.NewDeferredDiscoveryRESTMapper(cached),
	}, nil
}

// Mapping returns the resource of a kind; with a stale discovery cache it
// refreshes once, since CRDs may have been created since it was filled.
func (c *Cluster) Mapping(gk schema.GroupKind, version string) (*meta.RESTMapping, error) {
	m, err := c.Mapper.RESTMapping(gk, version)
	if meta.IsNoMatchError(err) {
		c.Refresh()
		m, err = c.Mapper.RESTMapping(gk, version)
	}
	if meta.IsNoMatchError(err) && version != "" {
		if verr := c.VersionError(gk.WithVersion(version)); verr != nil {
			// Still a no-match to callers that ask: a kind of the set
			// whose CRD may come with it.
			return nil, &versionError{msg: verr.Error(), cause: err}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("cluster %s: kind %s: %w", c.Name, gk, err)
	}
	return m, nil
}

type versionError struct {
	msg   string
	cause error
}

func (e *versionError) Error() string { return e.msg }
func (e *versionError) Unwrap() error { return e.cause }

// VersionError explains a kind the cluster serves, but not in gvk's
// version (an apiVersion that was deprecated and removed, or not served
// yet); nil when it does not serve the kind at all.
func (c *Cluster) VersionError(gvk schema.GroupVersionKind) error {
	mappings, err := c.Mapper.RESTMappings(gvk.GroupKind())
	if err != nil || len(mappings) == 0 {
		return nil
	}
	served := make([]string, len(mappings))
	for i, m := range mappings {
		served[i] = m.GroupVersionKind.GroupVersion().String()
	}
	return fmt.Errorf("cluster %s serves %s as %s, not %s (a removed or not yet served apiVersion)",
		c.Name, gvk.GroupKind(), strings.Join(served, ", "), gvk.GroupVersion())
}

// Scope tells namespaced kinds from cluster-scoped ones by discovery.
func (c *Cluster) Scope() object.ScopeFunc {
	return func(gk schema.GroupKind) (bool, bool) {
		m, err := c.Mapper.RESTMapping(gk)
		if err != nil {
			return true, false
		}
		return m.Scope.Name() == meta.RESTScopeNameNamespace, true
	}
}

// Capabilities returns the server version and the API versions it serves,
// in Helm's form ("apps/v1" and "apps/v1/Deployment").
func (c *Cluster) Capabilities(ctx context.Context) (string, []string, error) {
	c.capMu.Lock()
	defer c.capMu.Unlock()
	if c.capVer != "" {
		return c.capVer, c.capAPIs, nil
	}
	v, err := c.Discovery.ServerVersion()
	if err != nil {
		return "", nil, fmt.Errorf("cluster %s: server version: %w", c.Name, err)
	}
	_, lists, err := c.Discovery.ServerGroupsAndResources()
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return "", nil, fmt.Errorf("cluster %s: discovery: %w", c.Name, err)
	}
	seen := map[string]bool{}
	for _, l := range lists {
		seen[l.GroupVersion] = true
		for _, r := range l.APIResources {
			if !strings.Contains(r.Name, "/") {
				seen[l.GroupVersion+"/"+r.Kind] = true
			}
		}
	}
	versions := make([]string, 0, len(seen))
	for gv := range seen {
		versions = append(versions, gv)
	}
	sort.Strings(versions)
	c.capVer, c.capAPIs = v.GitVersion, versions
	return v.GitVersion, versions, nil
}
