package controller

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
	"github.com/tugboat-gitops/tugboat/internal/webhook"
)

// webhooks serves the push receivers and turns each push, coalesced per
// repository, into an immediate check of the Applications that track
// that repository and branch: only those, never the others.
type webhooks struct {
	addr      string
	receivers []webhook.Receiver
	client    client.Reader
	events    chan<- event.GenericEvent
	// forget tells the pipeline a repository changed, so that no app
	// reuses a fetch from before the push.
	forget func(changed func(repo string) bool)
}

// hookWindow gathers a burst of pushes to one repository into one check.
// It is short because it adds to every push's commit-to-live time; the
// apps' shared fetch folds whatever checks a longer flood still makes.
const hookWindow = 100 * time.Millisecond

// Start serves until ctx ends; a manager runs it.
func (w *webhooks) Start(ctx context.Context) error {
	coalescer := webhook.NewCoalescer(ctx, func(p webhook.Push) { w.trigger(ctx, p) }, hookWindow)
	defer coalescer.Stop()
	h, err := webhook.NewHandler(w.receivers, coalescer.Add)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", w.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// trigger queues the Applications that track p's repository and one of
// its branches (any, when the app names no ref or the push names none).
func (w *webhooks) trigger(ctx context.Context, p webhook.Push) {
	var apps v1alpha1.ApplicationList
	if err := w.client.List(ctx, &apps); err != nil {
		return
	}
	keys := map[string]bool{}
	for _, r := range p.Repos {
		keys[webhook.RepoKey(r)] = true
	}
	if w.forget != nil {
		w.forget(func(repo string) bool { return keys[webhook.RepoKey(repo)] })
	}
	for _, a := range apps.Items {
		if a.Spec.Suspend || !keys[webhook.RepoKey(a.Spec.Repo)] {
			continue
		}
		if ref := a.Spec.Ref; ref != "" && !p.AnyRef() && !slices.Contains(p.Branches, ref) && len(p.Tags) == 0 {
			continue
		}
		if !enqueue(ctx, w.events, types.NamespacedName{Namespace: a.Namespace, Name: a.Name}) {
			return
		}
	}
}
