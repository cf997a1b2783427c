package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	watchtools "k8s.io/client-go/tools/watch"
	"sigs.k8s.io/yaml"

	"github.com/tugboat-gitops/tugboat/api/v1alpha1"
)

// watchApps prints the Applications out lists, then each one that
// changes after resourceVersion, until ctx ends: a row per change as
// kubectl get -w prints, or with -o json|yaml a document per Application.
// An interrupted watch is its normal end, not an error.
func watchApps(ctx context.Context, g *GlobalOptions, res dynamic.ResourceInterface, fieldSelector, resourceVersion string, out *appsOutput) error {
	w := g.Streams.Out
	if err := printInitial(w, g.Output, out); err != nil {
		return err
	}
	// A RetryWatcher resumes from the last resource version it saw when
	// the API server closes a watch, as it does every few minutes.
	rw, err := watchtools.NewRetryWatcherWithContext(ctx, resourceVersion, watcherFunc(func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
		opts.FieldSelector = fieldSelector
		return res.Watch(ctx, opts)
	}))
	if err != nil {
		return fmt.Errorf("watch Applications: %w", err)
	}
	defer rw.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-rw.ResultChan():
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return errors.New("watch Applications: the watch ended")
			}
			if err := printEvent(w, g.Output, out, ev); err != nil {
				return err
			}
		}
	}
}

// printInitial prints the listed Applications: the table, or one
// document each, so that the documents of the changes that follow are
// of the same kind.
func printInitial(w io.Writer, format OutputFormat, out *appsOutput) error {
	if format != OutputJSON && format != OutputYAML {
		return Print(w, format, out)
	}
	for i := range out.Items {
		if err := writeDocument(w, format, &out.Items[i]); err != nil {
			return err
		}
	}
	return nil
}

func printEvent(w io.Writer, format OutputFormat, out *appsOutput, ev watch.Event) error {
	switch ev.Type {
	case watch.Error:
		return fmt.Errorf("watch Applications: %w", apierrors.FromObject(ev.Object))
	case watch.Added, watch.Modified, watch.Deleted:
	default:
		// Bookmarks only move the resource version on.
		return nil
	}
	u, ok := ev.Object.(*unstructured.Unstructured)
	if !ok {
		return fmt.Errorf("watch Applications: unexpected %T", ev.Object)
	}
	app, health, err := decodeApp(u)
	if err != nil {
		return err
	}
	if format == OutputJSON || format == OutputYAML {
		return writeDocument(w, format, app)
	}
	return out.table.cols.write(w, out.table.row(app, health, time.Now()))
}

// writeDocument prints app as a document of its own: JSON objects one
// after another, or YAML documents each after "---", as kubectl get -w
// prints them, so that a program can read each change as it comes.
func writeDocument(w io.Writer, format OutputFormat, app *v1alpha1.Application) error {
	var b []byte
	var err error
	if format == OutputJSON {
		b, err = json.MarshalIndent(app, "", "  ")
		b = append(b, '\n')
	} else {
		b, err = yaml.Marshal(app)
		b = append([]byte("---\n"), b...)
	}
	if err != nil {
		return fmt.Errorf("encode Application %s/%s as %s: %w", app.Namespace, app.Name, format, err)
	}
	return write(w, b)
}

// watcherFunc makes a function a watcher for the RetryWatcher.
type watcherFunc func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)

// WatchWithContext starts a watch with opts.
func (f watcherFunc) WatchWithContext(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	return f(ctx, opts)
}
