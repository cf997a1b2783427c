package controller

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/inventory"
	"github.com/tugboat-gitops/tugboat/internal/object"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// killRounds is how many times the controller process is killed.
const killRounds = 20

// TestControllerProcessKill9 runs `tug controller` as a child process
// and, twenty times, pushes a commit that grows or shrinks the app's set
// of about thirty ConfigMaps (and changes all of them, so that every
// apply writes each one), waits until the apply has begun, a random while
// more, then kills the process with SIGKILL and starts another on the same
// cache directory. The last one converges: the objects labelled as the
// app's are exactly the last commit's, each at its content, and the
// inventory records exactly them, not pending.
func TestControllerProcessKill9(t *testing.T) {
	testenv.SkipIfShort(t)
	built := buildTug(t)
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "kill"})
	tug := built()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	installCRD(ctx, t, env)
	rng := rand.New(rand.NewPCG(20, 9))
	set := map[string]bool{}
	for _, n := range killPool[:30] {
		set[n] = true
	}
	git, wt := gitRepo(t, killManifests(set, 0))
	cs := env.Clientset()
	ns := "default"
	gitSecret(ctx, t, cs, ns, git)
	dyn := dynamic.NewForConfigOrDie(env.Config)
	createApp(ctx, t, dyn, ns, map[string]any{"repo": git.HTTPURL("envs"), "path": "apps/web", "interval": "2s"})
	c, err := cluster.FromConfig("check", env.Config)
	if err != nil {
		t.Fatal(err)
	}
	check := &killCheck{cs: cs, dyn: dyn, inv: &inventory.Store{Cluster: c}, ns: ns}
	procs := &tugProcesses{t: t, bin: tug, kubeconfig: env.Kubeconfig, cacheDir: t.TempDir(), logDir: t.TempDir()}
	defer procs.stop()

	procs.start()
	head, err := wt.Head()
	if err != nil {
		t.Fatal(err)
	}
	check.waitConverged(ctx, t, procs, set, 0, head, time.Minute)

	var midApply, pending int
	var added []string
	for round := 1; round <= killRounds; round++ {
		if round%2 == 1 {
			added = grow(rng, set)
		} else {
			shrink(rng, set, added)
			added = nil
		}
		rev := pushSet(t, wt, set, round)
		requestSync(ctx, t, dyn, ns) // the running controller starts at once
		if !check.waitApplying(ctx, procs, round, added, 30*time.Second) {
			procs.fail("round %d: the apply of %s never began", round, rev)
		}
		time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		procs.kill()
		state := check.describe(ctx, t, set, round)
		if state != "" {
			midApply++
			if strings.Contains(state, "pending") {
				pending++
			}
		}
		t.Logf("round %d (%d objects): killed %s", round, len(members(set)), cmp.Or(state, "after the apply"))
		procs.start()
	}
	head, err = wt.Head()
	if err != nil {
		t.Fatal(err)
	}
	check.waitConverged(ctx, t, procs, set, killRounds, head, 2*time.Minute)
	if all := check.allLabelled(ctx, t, env.Config); !slices.Equal(all, qualified("ConfigMap "+ns, members(set))) {
		t.Errorf("objects of any kind labelled as the app's: %v, want the last set's ConfigMaps", all)
	}
	t.Logf("%d of %d kills landed before the apply was complete (%d with the inventory pending)", midApply, killRounds, pending)
	if midApply == 0 {
		t.Errorf("no kill landed during an apply: the test proved nothing")
	}
}

// killPool names the ConfigMaps a set is drawn from.
var killPool = func() []string {
	out := make([]string, 40)
	for i := range out {
		out[i] = fmt.Sprintf("cm-%02d", i)
	}
	return out
}()

// grow adds three to five ConfigMaps to set, drawn from killPool, and
// returns them.
func grow(rng *rand.Rand, set map[string]bool) []string {
	n := 3 + rng.IntN(3)
	var added []string
	for _, i := range rng.Perm(len(killPool)) {
		if name := killPool[i]; !set[name] && len(added) < n {
			set[name] = true
			added = append(added, name)
		}
	}
	return added
}

// shrink removes from set all but one of added, which the commit before
// added and a kill may have left unrecorded (the riskiest prune), and one
// older member, so that the set stays near its size.
func shrink(rng *rand.Rand, set map[string]bool, added []string) {
	for _, name := range added[1:] {
		delete(set, name)
	}
	older := slices.DeleteFunc(members(set), func(n string) bool { return slices.Contains(added, n) })
	delete(set, older[rng.IntN(len(older))])
}

// killManifests is set as files, each ConfigMap marked with gen.
func killManifests(set map[string]bool, gen int) map[string]string {
	files := map[string]string{}
	for name, in := range set {
		if in {
			files["apps/web/"+name+".yaml"] = fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  gen: %q\n", name, fmt.Sprint(gen))
		}
	}
	return files
}

// pushSet commits set at gen, replacing the app's files, and returns the
// commit.
func pushSet(t *testing.T, wt *testenv.WorkTree, set map[string]bool, gen int) string {
	t.Helper()
	if err := wt.Remove("apps/web"); err != nil {
		t.Fatal(err)
	}
	for name, content := range killManifests(set, gen) {
		if err := wt.WriteFile(name, content); err != nil {
			t.Fatal(err)
		}
	}
	rev, err := wt.Commit(fmt.Sprintf("gen %d: %d objects", gen, len(members(set))))
	if err == nil {
		err = wt.Push()
	}
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

// members returns the names in set, sorted.
func members(set map[string]bool) []string {
	var out []string
	for name, in := range set {
		if in {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// killCheck reads what the cluster holds of the app web.
type killCheck struct {
	cs  kubernetes.Interface
	dyn dynamic.Interface
	inv *inventory.Store
	ns  string
}

// live returns the gen of each ConfigMap labelled as the app's, in every
// namespace, by namespace/name.
func (k *killCheck) live(ctx context.Context) (map[string]string, error) {
	list, err := k.cs.CoreV1().ConfigMaps("").List(ctx, metav1.ListOptions{LabelSelector: object.LabelApp + "=web"})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, cm := range list.Items {
		out[cm.Namespace+"/"+cm.Name] = cm.Data["gen"]
	}
	return out, nil
}

// recorded returns the inventory's object names and whether it is pending.
func (k *killCheck) recorded(ctx context.Context) ([]string, bool, error) {
	inv, err := k.inv.Load(ctx, "web")
	if err != nil || inv == nil {
		return nil, false, err
	}
	var out []string
	for _, e := range inv.Entries {
		out = append(out, e.Namespace+"/"+e.Name)
	}
	slices.Sort(out)
	return out, inv.Pending, nil
}

// waitApplying waits until the apply of gen has begun: a live object
// shows gen, or a pending inventory records one of added (what gen adds)
// that is not live yet. It reports false after timeout.
func (k *killCheck) waitApplying(ctx context.Context, procs *tugProcesses, gen int, added []string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	want := fmt.Sprint(gen)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		procs.checkAlive()
		live, err := k.live(ctx)
		if err == nil {
			for _, g := range live {
				if g == want {
					return true
				}
			}
		}
		if rec, pending, err := k.recorded(ctx); err == nil && pending {
			for _, name := range added {
				if slices.Contains(rec, k.ns+"/"+name) && live[k.ns+"/"+name] == "" {
					return true
				}
			}
		}
		time.Sleep(15 * time.Millisecond)
	}
	return false
}

// describe says how far from gen's set the cluster is: "" when the apply
// is complete.
func (k *killCheck) describe(ctx context.Context, t *testing.T, set map[string]bool, gen int) string {
	t.Helper()
	live, err := k.live(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rec, pending, err := k.recorded(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := qualified(k.ns, members(set))
	var stale, missing int
	for _, name := range want {
		switch g, ok := live[name]; {
		case !ok:
			missing++
		case g != fmt.Sprint(gen):
			stale++
		}
	}
	extra := len(live) + missing - len(want)
	var parts []string
	if pending {
		parts = append(parts, "inventory pending")
	} else if !slices.Equal(rec, want) {
		parts = append(parts, "inventory at the previous set")
	}
	for _, p := range []struct {
		n    int
		what string
	}{{stale, "not yet updated"}, {missing, "not yet created"}, {extra, "not yet pruned"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "mid-apply: " + strings.Join(parts, ", ")
}

// allLabelled lists the objects of every kind that carry the app's label,
// as "Kind namespace/name", sorted.
func (k *killCheck) allLabelled(ctx context.Context, t *testing.T, cfg *rest.Config) []string {
	t.Helper()
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = rest.NoWarnings{} // listing deprecated kinds is the point
	dyn := dynamic.NewForConfigOrDie(cfg)
	lists, err := discovery.NewDiscoveryClientForConfigOrDie(cfg).ServerPreferredResources()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list.APIResources {
			if !slices.Contains(r.Verbs, "list") || strings.Contains(r.Name, "/") {
				continue
			}
			items, err := dyn.Resource(gv.WithResource(r.Name)).List(ctx, metav1.ListOptions{LabelSelector: object.LabelApp + "=web"})
			if err != nil {
				t.Fatalf("list %s: %v", r.Name, err)
			}
			for _, u := range items.Items {
				out = append(out, u.GetKind()+" "+u.GetNamespace()+"/"+u.GetName())
			}
		}
	}
	slices.Sort(out)
	return out
}

func qualified(ns string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = ns + "/" + n
	}
	return out
}

// waitConverged waits until the Application is Ready at rev and the
// inventory records exactly set, not pending; then, after a few seconds
// more for stragglers, the live objects of the app must be exactly set,
// each at gen: one more is an orphan, which nothing will ever prune.
func (k *killCheck) waitConverged(ctx context.Context, t *testing.T, procs *tugProcesses, set map[string]bool, gen int, rev string, timeout time.Duration) {
	t.Helper()
	want := qualified(k.ns, members(set))
	deadline := time.Now().Add(timeout)
	for {
		procs.checkAlive()
		app := getApp(ctx, t, k.dyn, k.ns)
		applied, _, _ := unstructured.NestedString(app.Object, "status", "lastAppliedRevision")
		rec, pending, err := k.recorded(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if condition(app, "status") == "True" && strings.HasSuffix(applied, rev) && !pending && slices.Equal(rec, want) {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			procs.fail("not Ready at %s after %v: Ready=%s (%s) at %q; recorded %v (pending %v); want %v",
				rev, timeout, condition(app, "status"), condition(app, "message"), applied, rec, pending, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var diff string
	for range 25 {
		if diff = k.liveDiff(ctx, t, want, gen); diff == "" {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	procs.fail("Ready at %s and the inventory records exactly the set, but the live objects differ: %s", rev, diff)
}

// liveDiff says how the app's live objects differ from want, each at gen:
// "" when they do not.
func (k *killCheck) liveDiff(ctx context.Context, t *testing.T, want []string, gen int) string {
	t.Helper()
	live, err := k.live(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var orphans, missing, stale []string
	for name, g := range live {
		switch {
		case !slices.Contains(want, name):
			orphans = append(orphans, name)
		case g != fmt.Sprint(gen):
			stale = append(stale, name+" at gen "+g)
		}
	}
	for _, name := range want {
		if _, ok := live[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(orphans)+len(missing)+len(stale) == 0 {
		return ""
	}
	slices.Sort(orphans)
	slices.Sort(stale)
	return fmt.Sprintf("orphaned (labelled, unrecorded) %v, missing %v, not updated %v", orphans, missing, stale)
}
