package changeset

import (
	"errors"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/object"
)

func TestDone(t *testing.T) {
	tests := []struct {
		name    string
		change  Change
		err     error
		want    Outcome
		wantErr string
	}{
		{name: "created", change: Change{Action: Create}, want: Applied},
		{name: "restamped", change: Change{Action: Unchanged, Restamp: true}, want: Applied},
		{name: "unchanged", change: Change{Action: Unchanged}, want: Kept},
		{name: "pruned", change: Change{Action: Prune}, want: Pruned},
		{name: "skipped", change: Change{Action: Skip}, want: Kept},
		{name: "failed create", change: Change{Action: Create}, err: errors.New("denied"), want: Failed, wantErr: "denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.change
			c.Done(tt.err)
			if c.Outcome != tt.want || c.Error != tt.wantErr {
				t.Errorf("Done: outcome %q error %q, want %q %q", c.Outcome, c.Error, tt.want, tt.wantErr)
			}
		})
	}
}

func TestCopyLeavesThePlan(t *testing.T) {
	planned := &Set{Changes: []Change{{ID: object.ID{Kind: "ConfigMap", Name: "a"}, Action: Create}}}
	done := planned.Copy()
	done.Changes[0].Done(errors.New("boom"))
	if planned.Changes[0].Outcome != "" || len(done.Failures()) != 1 {
		t.Errorf("planned %+v, done failures %v", planned.Changes[0], done.Failures())
	}
}
