package inventory

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/cluster"
	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestStoreOptimisticConcurrency: two writers of one app's record, as a
// push-mode apply and a controller's reconcile would be, each read it
// first; whoever saves second has read a stale record and is refused,
// whether the record existed or not, and succeeds once it reads again.
func TestStoreOptimisticConcurrency(t *testing.T) {
	env := testenv.NewCluster(t, testenv.ClusterOptions{Name: "inventory"})
	c, err := cluster.FromConfig("inventory", env.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := &Store{Cluster: c}
	tests := []struct {
		name   string
		before func(t *testing.T) // what exists before both read
	}{
		{name: "no record yet", before: func(t *testing.T) {}},
		{name: "an existing record", before: func(t *testing.T) {
			if err := s.Save(ctx, &Inventory{App: "race-2", Revision: "r0"}); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := []string{"race-1", "race-2"}[i]
			tt.before(t)
			push, err := s.Load(ctx, app)
			if err != nil {
				t.Fatal(err)
			}
			pull, err := s.Load(ctx, app)
			if err != nil {
				t.Fatal(err)
			}
			push.Revision, pull.Revision = "push", "pull"
			if err := s.Save(ctx, push); err != nil {
				t.Fatalf("first save: %v", err)
			}
			if err := s.Save(ctx, pull); !errors.Is(err, ErrConflict) {
				t.Fatalf("second save on a stale read: %v, want ErrConflict", err)
			}
			again, err := s.Load(ctx, app)
			if err != nil || again.Revision != "push" {
				t.Fatalf("record after the race: %+v, %v; want push's", again, err)
			}
			again.Revision = "pull"
			if err := s.Save(ctx, again); err != nil {
				t.Fatalf("save after reading again: %v", err)
			}
			// Saved records move on: a second save of the same one works.
			again.Pending = true
			if err := s.Save(ctx, again); err != nil {
				t.Fatalf("second save of a saved record: %v", err)
			}
		})
	}
}
