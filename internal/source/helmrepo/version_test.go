package helmrepo

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestPickVersion(t *testing.T) {
	available := []string{"1.0.0", "1.2.0", "1.10.0", "2.0.0", "2.1.0-rc.1", "v3.0.0", "latest", "1.5.0+build.7"}
	tests := []struct {
		want    string
		got     string
		wantErr string
	}{
		{want: "", got: "v3.0.0"},
		{want: "1.2.0", got: "1.2.0"},
		{want: "latest", got: "latest"},
		{want: ">=1.2 <2", got: "1.10.0"},
		{want: "~1.5", got: "1.5.0+build.7"},
		{want: "^2.0.0-0", got: "2.1.0-rc.1"},
		{want: "3.0.0", got: "v3.0.0"},
		{want: "1.3.0", wantErr: `no chart version matches "1.3.0"; available: v3.0.0, 2.1.0-rc.1, 2.0.0, 1.10.0, 1.5.0+build.7, 1.2.0, 1.0.0, latest`},
		{want: ">=4", wantErr: "no chart version matches"},
		{want: "not a range!", wantErr: "invalid version or range"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			i, err := pickVersion(available, tt.want)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if available[i] != tt.got {
				t.Fatalf("got %s, want %s", available[i], tt.got)
			}
		})
	}
}

func TestPickVersionListsAFewVersions(t *testing.T) {
	var available []string
	for i := range 25 {
		available = append(available, fmt.Sprintf("1.%d.0", i))
	}
	_, err := pickVersion(available, ">=2")
	if !errors.Is(err, ErrNoMatchingVersion) {
		t.Fatalf("got %v, want ErrNoMatchingVersion", err)
	}
	if !strings.Contains(err.Error(), "available: 1.24.0, 1.23.0,") || !strings.Contains(err.Error(), "(and 15 more)") {
		t.Fatalf("error does not list the newest versions: %v", err)
	}
}
