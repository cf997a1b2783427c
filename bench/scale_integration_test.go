package bench

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tugboat-gitops/tugboat/internal/testenv"
)

// TestScaleSmoke runs the harness at 60 objects. It asserts no timing, only
// that the harness completes and a correctness property of the engine: a
// re-apply of unchanged objects writes nothing.
func TestScaleSmoke(t *testing.T) {
	testenv.SkipIfShort(t)
	ctx := context.Background()
	if _, err := testenv.EnsureBinaries(ctx, testenv.VersionsFromEnv(), os.Stderr); err != nil {
		t.Fatal(err)
	}
	results, err := Run(ctx, Options{Sizes: []int{60}, SettleTimeout: 2 * time.Minute, RunTimeout: 5 * time.Minute, Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	Markdown(&table, results)
	t.Log("\n" + table.String())
	r := results[0]
	for name, row := range map[string]Row{"first apply": r.First, "no-op re-apply": r.NoOp, "one change": r.Change} {
		if row.Err != "" {
			t.Fatalf("tug %s failed: %s", name, row.Err)
		}
	}
	if r.First.Result != "61 created" || r.NoOp.Result != "61 unchanged" || r.Change.Result != "1 updated, 60 unchanged" {
		t.Errorf("results: first %q, no-op %q, one change %q", r.First.Result, r.NoOp.Result, r.Change.Result)
	}
	if n := r.NoOp.Requests; n.Writes != 0 {
		t.Errorf("no-op re-apply made %d write requests (%d of them to the inventory), want 0; requests: %s", n.Writes, n.InventoryWrites, n)
	}
}

// testLog sends the harness's progress to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
